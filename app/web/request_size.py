"""The upload limit includes its last byte: a request body of exactly
MAX_CONTENT_LENGTH bytes is accepted, as nginx's `client_max_body_size` of the
same size accepts it (deploy/nginx-midwest.conf).

Under a server that sets `wsgi.input_terminated` (gunicorn), werkzeug reads every
body through a stream capped at MAX_CONTENT_LENGTH that answers 413 to any read
past the cap, and the form parser makes one at the end of a body of exactly that
size. A body with a Content-Length needs no cap of its own: werkzeug has compared
its length with the limit already (413 when larger) and reads no more than it.
Without the flag, werkzeug bounds the stream by that length; a chunked body (no
Content-Length) keeps the capped stream.
"""

from __future__ import annotations

from flask import Flask


class LengthBoundedInput:
    """WSGI middleware: a body with a Content-Length is read up to that length."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("CONTENT_LENGTH", "").strip().isdigit():
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)


def register_inclusive_limit(app: Flask) -> None:
    app.wsgi_app = LengthBoundedInput(app.wsgi_app)

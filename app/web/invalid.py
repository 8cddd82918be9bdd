"""A page answered 422 (a form sent back with errors) says so in its title."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import gettext as _
from markupsafe import escape


def register_error_title(app: Flask) -> None:
    @app.after_request
    def prefix_error_title(response: Response) -> Response:
        """WCAG 2.4.2/3.3.1: the first thing a screen reader says of a form page
        sent back with errors is "Error:" (the page then moves the focus to its
        error summary: static/app.js). htmx fragments have no title."""
        if (
            response.status_code != 422
            or request.htmx
            or response.mimetype != "text/html"
            or response.direct_passthrough
        ):
            return response
        page = response.get_data(as_text=True)
        if "<title>" in page:
            prefix = str(escape(_("Error: ")))
            response.set_data(page.replace("<title>", f"<title>{prefix}", 1))
        return response

"""gunicorn settings for production: `gunicorn -c python:app.gunicorn_conf` (an
installed copy, deploy/midwest.service), or `gunicorn -c gunicorn.conf.py` in a
checkout (`make serve`), which reads this module.

Every value can be overridden from the environment (GUNICORN_* below) or the
command line. The app keeps no state in a worker that others need: sessions are
signed cookies, login throttling and reminder bookkeeping live in the database.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from app.redact import redact_secrets


class RedactingLogger(Logger):
    """gunicorn's logger, with the calendar token replaced in the request line,
    the path and the referrer of every access log line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_secrets(atoms[key])
        return atoms


wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# (2 × cores) + 1 is gunicorn's advice for synchronous workers.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory hygiene)
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = RedactingLogger
# Behind a reverse proxy that terminates HTTPS: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (gunicornc) defaults to one path per system user, so
# a second instance takes over the first one's and removes it when it stops:
# each instance names its own (deploy/midwest.service: /run/midwest/gunicorn.ctl)
# or has none.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

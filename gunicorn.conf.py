"""gunicorn settings of a checkout (`make serve`, `gunicorn -c gunicorn.conf.py`):
those of the package, app/gunicorn_conf.py (`-c python:app.gunicorn_conf` where
the app is installed)."""

from app.gunicorn_conf import *  # noqa: F403

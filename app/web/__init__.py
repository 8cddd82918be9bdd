"""Request-wide behaviour, one concern per module, each registered by the factory.

- `audit`: where the audit lines go
- `session`: the Flask-Login user loader, the idle timeout, remember-me renewal
- `inputs`: control characters refused in every URL, query and form
- `headers`: security headers (CSP, HSTS, no-store)
- `errors`: error pages and the 409 conflict answer
- `templates`: filters, globals and tests of the templates
- `htmx` and `redirects`: helpers the views import (re-exported here)

This package imports none of the request-wide modules itself: the helpers below
do not import `app.auth`, so `app.auth.views` can import them without a cycle.
"""

from app.web.htmx import reload_url, wants_fragment
from app.web.redirects import is_safe_next

__all__ = ["is_safe_next", "reload_url", "wants_fragment"]

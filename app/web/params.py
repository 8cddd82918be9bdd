"""Numbers and search text from the URL, bounded to what the database takes.

Ids are INTEGER primary keys (32 bits on PostgreSQL; SQLite refuses anything
past 64 bits): a larger number cannot name a row, and sent to the database it
fails the query. `query_int` reads a query-string parameter (out of range or
not a number: the default, as an unknown filter value is), and the `int` URL
converter bounds path ids (out of range: no such page, 404).
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

#: The largest id (and page number) the app accepts: PostgreSQL's INTEGER.
MAX_ID = 2**31 - 1


def parse_int(raw: Any, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """`raw` as a whole number from `minimum` to `maximum`, else None (ASCII
    digits only: no sign, no spaces, no other scripts' digits)."""
    text = raw if isinstance(raw, str) else None
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def query_int(
    name: str, default: int | None = None, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """The query-string parameter `name` as a bounded whole number, else `default`."""
    value = parse_int(request.args.get(name), minimum, maximum)
    return default if value is None else value


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in a route: at most MAX_ID (a larger id is a 404, not a failed
    query). Past ten digits the path does not match at all, so that a catch-all
    route (the API's JSON 404) still answers it."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_int_converter(app) -> None:
    """Before any route is added: every `<int:…>` is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter


#: The longest search text used (the header search and every search field):
#: the rest is cut off (SQLite refuses a LIKE pattern past 50,000 characters).
MAX_SEARCH_LENGTH = 200


def search_text(raw: Any) -> str:
    """What was typed in a search field, stripped and cut to MAX_SEARCH_LENGTH."""
    return (raw if isinstance(raw, str) else "").strip()[:MAX_SEARCH_LENGTH]

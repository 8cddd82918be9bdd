"""Routes of the search: the full page and (htmx) the list under the header field."""

from tests.route_rows import Route, page

ROUTES = [
    page("/search?q=izegem"),
    page("/search"),
    Route(
        "GET",
        "/search?q=roeselare",
        {
            "anonymous": 401,
            "coordinator": 200,
            "lead": 200,
            "municipality": 200,
            "viewer": 200,
        },
        htmx=True,
    ),  # fmt: skip
]

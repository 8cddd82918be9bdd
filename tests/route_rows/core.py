"""Routes of the foundation: sign-in, profile, dashboard, health."""

from tests.route_rows import Route, action, page

SIGNED_IN = {"coordinator": 303, "lead": 303, "municipality": 303, "viewer": 303}

ROUTES = [
    Route("GET", "/login", {"anonymous": 200} | {r: 302 for r in SIGNED_IN}),
    # Anonymous: the form comes back with the error (422); signed in: redirect.
    Route(
        "POST",
        "/login",
        {"anonymous": 422} | {r: 302 for r in SIGNED_IN},
        data={"email": "nobody@midwest.example", "password": "not the password"},
    ),
    action("POST", "/logout", SIGNED_IN),
    # Sign-in through a provider (issue 27): none is configured here, so every
    # name is unknown (tests/test_oidc.py signs in through a real one).
    Route("GET", "/login/acmidm", {"anonymous": 404} | {r: 404 for r in SIGNED_IN}),
    Route(
        "GET",
        "/login/acmidm/callback?code=x&state=y",
        {"anonymous": 404} | {r: 404 for r in SIGNED_IN},
    ),
    # "Stay signed in" of the idle warning (issue 24 item 10).
    action("POST", "/session/keepalive", {r: 204 for r in SIGNED_IN}),
    page("/"),
    page("/healthz", anonymous=200),
    # Matches of a filter's search field (htmx active search on /tasks, /applications).
    Route(
        "GET",
        "/choices/municipality?municipality_search=iz",
        {"anonymous": 401, "coordinator": 200, "lead": 200}
        | {"municipality": 200, "viewer": 200},
        htmx=True,
    ),
    page("/choices/assignee?assignee_search=a"),
    page("/choices/password?password_search=a", everyone=404),
    page("/profile"),
    page("/profile/password"),
    page("/exports/no-such-export.xlsx", everyone=404),
    action("POST", "/profile/language", SIGNED_IN, data={"profile-language": "nl"}),
    # The menu's language switch (issue 24 item 15).
    action("POST", "/language", SIGNED_IN, data={"language": "nl", "next": "/"}),
    action(
        "POST",
        "/profile/password",
        {r: 422 for r in SIGNED_IN},
        data={"password-current_password": "wrong", "password-new_password": "x"},
    ),
]

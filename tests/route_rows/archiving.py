"""Routes of archive, restore and delete (coordinator only; the others 403).

The demo app is fresh for every row, so archiving a demo object here touches no
other row. Delete answers 409 for demo objects that others refer to.
"""

from tests.route_rows import action, page

COORDINATOR_ONLY = {"coordinator": 303}
OBJECTS = {
    "calls": "{open_call}",
    "applications": "{izegem_app}",
    "rounds": "{closed_round}",
    "groups": "{own_group}",
    "talks": "{talk}",
    "threads": "{thread}",
}

ROUTES = [
    action("POST", f"/{segment}/{placeholder}/{verb}", COORDINATOR_ONLY)
    for segment, placeholder in OBJECTS.items()
    for verb in ("archive", "restore")
] + [
    # Referred to by dossiers, tasks, payments, scores, mentions: refused.
    action("POST", "/calls/{open_call}/delete", {"coordinator": 409}),
    action("POST", "/applications/{izegem_app}/delete", {"coordinator": 409}),
    action("POST", "/rounds/{closed_round}/delete", {"coordinator": 409}),
    action("POST", "/groups/{own_group}/delete", {"coordinator": 409}),
    action("POST", "/threads/{thread}/delete", {"coordinator": 409}),
    # A talk: nothing refers to it, so it goes, once confirmed (WCAG 3.3.4);
    # unconfirmed, the coordinator is asked first.
    action("POST", "/talks/{talk}/delete", {"coordinator": 200}),
    action("POST", "/talks/{talk}/delete", COORDINATOR_ONLY, data={"confirm": "yes"}),
]

# Edit (coordinator only). Empty forms: the coordinator gets them back (422).
ROUTES += [
    page(
        "/municipalities/izegem/edit",
        coordinator=200,
        lead=403,
        municipality=403,
        viewer=403,
    ),
    action("POST", "/municipalities/izegem/edit", {"coordinator": 422}),
    action("POST", "/themes/{own_theme}/status", {"coordinator": 422}),
    action(
        "POST",
        "/themes/{own_theme}/status",
        COORDINATOR_ONLY,
        data={"status": "paused"},
    ),
]

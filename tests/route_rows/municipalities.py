"""Routes of the municipality pages and their exports."""

from tests.route_rows import page

ROUTES = [
    page("/municipalities"),
    page("/municipalities/izegem"),
    page("/municipalities/roeselare"),
    page("/municipalities/ruiselede"),
    page("/municipalities/no-such-place", everyone=404),
    page("/exports/municipality-izegem.xlsx"),
    page("/exports/municipality-no-such-place.xlsx", everyone=404),
    page("/exports/forum-report.xlsx"),
]

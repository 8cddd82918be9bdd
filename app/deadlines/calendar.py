"""iCalendar feed of a user's deadlines (RFC 5545, via the icalendar library)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from app import clock
from app.deadlines.deadlines import Deadline, Scope, deadlines
from app.i18n import user_locale
from app.labels import label
from app.links import absolute_url


def _summary(item: Deadline) -> str:
    return f"{label('deadline_kind', item.kind)}: {item.title}"


def _event(item: Deadline, stamp) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", _summary(item))
    if item.at is not None:
        event.add("dtstart", item.at)
        event.add("dtend", item.at + timedelta(minutes=30))
    else:  # all-day
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
    if item.context:
        event.add("description", item.context)
    event.add("url", absolute_url(item.endpoint, **dict(item.values)))
    return event


def feed(user) -> bytes:
    """The calendar of what concerns `user`, within what they may see, in their
    language."""
    with force_locale(user_locale(user)):
        calendar = Calendar()
        calendar.add("prodid", "-//Midwest digitale regio//tracker//NL")
        calendar.add("version", "2.0")
        calendar.add(
            "x-wr-calname", _("Midwest deadlines: %(name)s", name=user.full_name)
        )
        stamp = clock.now_utc().replace(microsecond=0)
        for item in deadlines(Scope(viewer=user, user=user), limit=2000):
            calendar.add_component(_event(item, stamp))
        return calendar.to_ical()

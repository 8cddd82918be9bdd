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
from app.meetings.meetings import meetings_of_member


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
        for meeting in meetings_of_member(user, clock.today() - MEETINGS_BACK):
            calendar.add_component(_meeting_event(meeting, stamp))
        return calendar.to_ical()


#: Past meetings stay in the feed this long (their minutes are linked).
MEETINGS_BACK = timedelta(days=90)


def _meeting_event(meeting, stamp) -> Event:
    """A forum meeting the user is a member of: an all-day event."""
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@midwest-tracker")
    event.add("dtstamp", stamp)
    title = f"{meeting.forum.name}: {meeting.title}" if meeting.title else ""
    event.add("summary", title or meeting.forum.name)
    event.add("dtstart", meeting.held_on)
    event.add("dtend", meeting.held_on + timedelta(days=1))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("url", absolute_url("meetings.detail", meeting_id=meeting.id))
    return event

"""Pages rendered once per scope and data generation, shared by everyone who
would see the same page.

A page is personal only in its frame (who is signed in, the session's CSRF token,
flash messages) and in what its reader may see and do. What a reader may see and
do depends on their *sharing scope* (`permissions.sharing_scope`): every
coordinator sees the same `/tasks`, every viewer the same `/threads`; a lead or a
municipality user has a scope of their own. So the expensive part of a page (its
queries and the rendering of its title and content blocks) is kept here under

    (page, sharing scope, language, URL with query string, today's date)

for the data generation of app/readmodel.py (every write by anyone bumps it, so a
write through any worker or host is seen by the very next read everywhere) and
for at most PAGE_CACHE_SECONDS (pages show time-relative facts: countdowns,
"2 minutes ago"). The frame (base.html: navigation, the user's name, flashes) is
rendered for every request around the kept part.

The CSRF token of the session that rendered a part is replaced by a slot before
the part is kept and by the reader's own token when it is served, so a form in a
shared part posts with its reader's token. Nothing else personal may be in a
shared part: `tests/test_page_cache.py` renders every shared page for two people of
the same scope without the cache and compares them.

Each worker keeps at most PAGE_CACHE_SIZE parts and as many frames (least
recently used go first); 0 turns the cache off. Only full-page GETs use it (htmx
fragments render as before), and not while the request's own transaction has
written.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app import clock, readmodel
from app.auth import permissions

#: Between the title and the content block of a rendered part (base.html).
PART_BREAK = "<!--page-part-break-->"
_SLOT = secrets.token_hex(8)  # slots that never occur in a page's own text
_CSRF_SLOT, _TITLE_SLOT, _CONTENT_SLOT = (
    f"{name}-slot-{_SLOT}" for name in ("csrf", "title", "content")
)


class _Parts:
    """Per process: key → (generation, kept at, pieces), least recent first."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, tuple[int, float, tuple[str, ...]]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()
        self.rendered = 0  # parts rendered (tests read it)

    def get(self, key: tuple, generation: int, max_age: float) -> tuple[str, ...]:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return ()
            if entry[0] != generation or time.monotonic() - entry[1] >= max_age:
                del self.entries[key]
                return ()
            self.entries.move_to_end(key)
            return entry[2]

    def put(self, key: tuple, generation: int, pieces: tuple[str, ...]) -> None:
        size = current_app.config["PAGE_CACHE_SIZE"]
        with self.lock:
            self.entries[key] = (generation, time.monotonic(), pieces)
            self.entries.move_to_end(key)
            while len(self.entries) > size:
                self.entries.popitem(last=False)

    def kept(
        self, key: tuple, render: Callable[[], tuple[str, ...]]
    ) -> tuple[str, ...]:
        """The pieces kept under `key` for this generation, else `render()`'s
        (kept unless this request's transaction has written meanwhile)."""
        generation = readmodel.current_generation()
        pieces = self.get(key, generation, current_app.config["PAGE_CACHE_SECONDS"])
        if not pieces:
            pieces = render()
            self.rendered += 1
            if not readmodel.writing():
                self.put(key, generation, pieces)
        return pieces


def _parts(kind: str = "page_cache") -> _Parts:
    """The shared parts ("page_cache") or the readers' frames ("page_frames")."""
    return current_app.extensions.setdefault(kind, _Parts())


def _without_token(html: str) -> str:
    return html.replace(generate_csrf(), _CSRF_SLOT)


def _render_part(template: str, build: Callable[[], dict[str, Any]]) -> tuple[str, ...]:
    """The title and content blocks of `template`, the CSRF token in a slot."""
    html = render_template(template, page_part_only=True, **build())
    title, _sep, content = html.partition(PART_BREAK)
    return _without_token(title), _without_token(content)


def _render_frame() -> tuple[str, ...]:
    """base.html around slots for the part: the reader's own navigation, name
    and role (flash messages are never kept: pages with flashes are not either)."""
    # The slots are plain text (letters, digits, dashes): escaping leaves them be.
    html = render_template(
        "base.html", part_title=_TITLE_SLOT, part_content=_CONTENT_SLOT
    )
    return (_without_token(html),)


def shared_page(
    template: str, build: Callable[[], dict[str, Any]], *, personal: bool = False
) -> str:
    """The page `template` with the context `build()` makes, its title and content
    kept for everyone of the reader's sharing scope (see the module's text), or
    for the reader alone when the page is `personal` (their own deadlines).

    `build` runs only when the part is not kept: it does the page's queries.
    """
    usable = (
        current_app.config["PAGE_CACHE_SIZE"] > 0
        and request.method == "GET"
        and not request.headers.get("HX-Request")
        and "_flashes" not in session
    )
    if not usable or readmodel.writing():
        return render_template(template, **build())
    title, content = _parts().kept(
        (
            template,
            f"person:{current_user.id}"
            if personal
            else permissions.sharing_scope(current_user),
            str(get_locale()),
            request.full_path,
            clock.today(),
        ),
        lambda: _render_part(template, build),
    )
    if "_flashes" in session:  # the part's making had something to say
        (frame,) = _render_frame()
    else:
        (frame,) = _parts("page_frames").kept(
            ("frame", current_user.id, str(get_locale()), request.path),
            _render_frame,
        )
    # The title slot comes first, then the content slot: replace once each.
    page = frame.replace(_TITLE_SLOT, title, 1).replace(_CONTENT_SLOT, content, 1)
    return page.replace(_CSRF_SLOT, generate_csrf())

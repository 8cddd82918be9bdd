"""The full-text index (built and kept current by migration 0011_search) and the
searches over it.

The index is one table of (kind, ref_id, title, body), filled by triggers on the
source tables. It is not a model (SQLite's is an FTS5 virtual table), so it lives
in a metadata of its own, outside the schema comparison of the migrations test.

SQLite: FTS5 with `unicode61 remove_diacritics 2` (accents ignored) and prefix
queries; it has no stemming. PostgreSQL: `tsvector` in the `dutch` configuration
(Snowball stemming: "gemeenten" and "gemeente" share a stem) over accent-folded
text, with prefix queries on the stemmed words. On both, a query word is also
tried without a plural ending (`variants`), so "subsidies" finds "subsidie".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    false,
    func,
    literal_column,
    select,
    text,
)

from app.archive import comment_in_use, document_in_use, not_archived, task_in_use
from app.auth import permissions
from app.auth.models import User
from app.comments.models import Comment
from app.documents.models import Document
from app.documents.owners import document_url
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Thread
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Task, Theme, WorkingGroup

search_index = Table(
    "search_index",
    MetaData(),
    Column("kind", String(20)),
    Column("ref_id", Integer),
    Column("title", String),
    Column("body", String),
)
INDEX_TABLE_PREFIX = "search_index"
MAX_WORDS = 8
WORD = re.compile(r"\w+")


def is_index_table(name: str | None) -> bool:
    """The index and (SQLite) its FTS5 shadow tables: kept out of model checks."""
    return bool(name) and name.startswith(INDEX_TABLE_PREFIX)


def words_of(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation and operators dropped."""
    return WORD.findall((query or "").lower())[:MAX_WORDS]


def variants(word: str) -> list[str]:
    """A word and its form without a Dutch plural ending: matched as prefixes,
    "subsidies" also finds "subsidie" and "gemeenten" "gemeente" (the Snowball
    stemmer of PostgreSQL's `dutch` leaves "-ies" plurals alone; SQLite has none)."""
    forms = [word]
    if len(word) >= 6 and word.endswith("en"):
        forms.append(word[:-2])
    elif len(word) >= 5 and word.endswith("s"):
        forms.append(word[:-1])
    return forms


def _match(words: list[str]):
    """The full-text condition and ranking for `words` in this database."""
    if db.engine.dialect.name == "postgresql":
        expression = " & ".join(
            "(" + " | ".join(f"{form}:*" for form in variants(w)) + ")" for w in words
        )
        tsquery = func.to_tsquery(
            literal_column("'dutch'::regconfig"), func.search_fold(expression)
        )
        document = literal_column("search_index.document")
        return document.op("@@")(tsquery), func.ts_rank(document, tsquery).desc()
    # Each word quoted (no FTS5 syntax from the user) and matched as a prefix.
    expression = " AND ".join(
        "(" + " OR ".join(f'"{form}"*' for form in variants(w)) + ")" for w in words
    )
    return (
        text("search_index MATCH :search_expression").bindparams(
            search_expression=expression
        ),
        literal_column("search_index.rank"),
    )


# --- who finds what: the rules of the pages -----------------------------------


def _everyone(user: Any, query: Any) -> Any:
    return query if permissions.can_view_regional(user) else query.where(false())


def _applications(user: Any, query: Any) -> Any:
    if not permissions.can_view_applications(user):
        return query.where(false())
    return permissions.visible_applications(user, query)


def _tasks(user: Any, query: Any) -> Any:
    return _everyone(user, query.where(permissions.visible_tasks(user)))


def _comments(user: Any, query: Any) -> Any:
    return query.where(permissions.visible_comments(user))


#: How much of a comment's text a hit shows.
COMMENT_EXCERPT = 80


def _comment_url(comment: Any) -> str:
    from app.comments.pages import object_url

    page = object_url(comment.target_segment, comment.target_id)
    return f"{page}#comment-{comment.id}"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= COMMENT_EXCERPT:
        return text
    return text[: COMMENT_EXCERPT - 1] + "…"


def _documents(user: Any, query: Any) -> Any:
    return query.where(permissions.visible_documents(user))


def _people(user: Any, query: Any) -> Any:
    return query if permissions.can_manage_users(user) else query.where(false())


@dataclass(frozen=True)
class Kind:
    code: str
    model: Any
    label: Any
    restrict: Callable[[Any, Any], Any]
    url: Callable[[Any], str]
    detail: Callable[[Any], str] = lambda _obj: ""


KINDS = (
    Kind(
        "application",
        Application,
        _l("Applications"),
        _applications,
        lambda a: url_for("subsidies.application", application_id=a.id),
        lambda a: a.reference or "",
    ),
    Kind(
        "thread",
        Thread,
        _l("Threads"),
        _everyone,
        lambda t: url_for("strategy.thread", thread_id=t.id),
        lambda t: t.code,
    ),
    Kind(
        "theme",
        Theme,
        _l("Themes"),
        _everyone,
        lambda t: url_for("work.theme", theme_id=t.id),
    ),
    Kind(
        "group",
        WorkingGroup,
        _l("Working groups"),
        _everyone,
        lambda g: url_for("work.group", group_id=g.id),
    ),
    Kind(
        "task",
        Task,
        _l("Tasks"),
        _tasks,
        lambda t: url_for("work.task", task_id=t.id),
    ),
    Kind(
        "call",
        SubsidyCall,
        _l("Calls"),
        _everyone,
        lambda c: url_for("subsidies.call", call_id=c.id),
        lambda c: c.funder,
    ),
    Kind(
        "municipality",
        Municipality,
        _l("Municipalities"),
        _everyone,
        lambda m: url_for("municipalities.detail", slug=m.slug),
    ),
    Kind(
        "comment",
        Comment,
        _l("Comments"),
        _comments,
        _comment_url,
    ),
    Kind(
        "document",
        Document,
        _l("Documents"),
        _documents,
        document_url,
    ),
    Kind(
        "person",
        User,
        _l("People"),
        _people,
        lambda u: url_for("admin.user_edit", user_id=u.id),
        lambda u: u.email,
    ),
)


@dataclass
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Group:
    kind: Kind
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


def _title(obj: Any) -> str:
    if isinstance(obj, Comment):
        return _excerpt(obj.body)
    for attribute in ("title", "name", "full_name"):  # a document's title: its name
        value = getattr(obj, attribute, None)
        if value:
            return str(value)
    return ""


def search(user: Any, query: str, per_kind: int = 5) -> list[Group]:
    """What `user` may see that matches `query`: up to `per_kind` hits of each
    kind, best first (one query per kind)."""
    words = words_of(query)
    if not words:
        return []
    condition, rank = _match(words)
    groups = []
    for kind in KINDS:
        statement = (
            select(kind.model)
            .join(
                search_index,
                and_(
                    search_index.c.kind == kind.code,
                    search_index.c.ref_id == kind.model.id,
                ),
            )
            .where(condition)
            .order_by(rank, kind.model.id)
            .limit(per_kind + 1)
        )
        if hasattr(kind.model, "archived_at"):  # archived rows are not found
            statement = statement.where(not_archived(kind.model))
        if kind.model is Task:
            statement = statement.where(task_in_use())
        if kind.model is Comment:  # archived with its object
            statement = statement.where(comment_in_use())
        if kind.model is Document:  # archived with its owner
            statement = statement.where(document_in_use())
        found = list(db.session.scalars(kind.restrict(user, statement)))
        if found:
            hits = [Hit(_title(o), kind.url(o), kind.detail(o)) for o in found]
            groups.append(Group(kind, hits[:per_kind], len(found) > per_kind))
    return groups

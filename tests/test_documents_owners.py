"""Documents where people keep them (issue 28 item 6): on calls (regulations),
talks (notes), tasks (deliverables) and meetings (minutes), with the rules of
dossier documents: who uploads, who sees (pages, downloads, activity), removal,
archiving and deleting the owner, the backup and the migration."""

import io
import sqlite3
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.activity.models import Activity
from app.archive import delete_blockers
from app.documents import documents, storage
from app.documents.models import Document
from app.extensions import db
from app.meetings.models import Forum, Meeting
from app.subsidies.models import SubsidyCall
from app.work.models import Task
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(app):
    home, away = factories.municipality("Home"), factories.municipality("Away")
    call = factories.call(title="Digitale regio oproep")
    dossier = factories.application(call, home, title="Vertrouwelijk dossier")
    group = factories.group(name="Werkgroep data")
    task = factories.task(group, title="Open data publiceren")
    dossier_task = factories.task(
        group, title="Aanvraag voorbereiden", application_id=dossier.id
    )
    talk = factories.talk(home, held_on=date(2021, 3, 4), notes="Geheime notities")
    forum = Forum(name="Midwest-overleg")
    db.session.add(forum)
    db.session.flush()
    meeting = Meeting(forum_id=forum.id, held_on=date(2026, 11, 5))
    db.session.add(meeting)
    db.session.commit()
    return {
        "home": home, "away": away, "call": call, "dossier": dossier,
        "group": group, "task": task, "dossier_task": dossier_task,
        "talk": talk, "meeting": meeting,
    }  # fmt: skip


#: (URL segment, world key, the page that shows its documents, its default kind)
OWNERS = [
    ("calls", "call", "/calls/{id}", "regulations"),
    ("talks", "talk", "/talks/{id}/edit", "notes"),
    ("tasks", "task", "/tasks/{id}", "deliverable"),
    ("meetings", "meeting", "/meetings/{id}", "minutes"),
]
COLUMN = {
    "calls": "call_id",
    "talks": "conversation_id",
    "tasks": "task_id",
    "meetings": "meeting_id",
}


def _upload(client, segment, owner_id, data=PDF, name="Stuk.pdf", kind="annex"):
    client.fetch_csrf("/")
    return client.form(
        f"/{segment}/{owner_id}/documents",
        {"document-file": (io.BytesIO(data), name), "document-kind": kind},
        content_type="multipart/form-data",
    )


def _documents():
    return list(db.session.scalars(select(Document).order_by(Document.id)))


def _english(client):
    client.user.language = "en"
    db.session.commit()
    return client


@pytest.mark.parametrize(("segment", "key", "page", "kind"), OWNERS)
def test_the_coordinator_uploads_on_each_owner_and_its_page_lists_it(
    login_as, world, segment, key, page, kind
):
    owner = world[key]
    client = login_as("coordinator")
    url = page.format(id=owner.id)
    form_page = client.get(url).get_data(as_text=True)
    assert f'action="/{segment}/{owner.id}/documents"' in form_page
    assert f'value="{kind}"' in form_page and "approval_letter" not in form_page
    response = _upload(client, segment, owner.id, name="Reglement 2026.pdf", kind=kind)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#documents")
    [document] = _documents()
    assert getattr(document, COLUMN[segment]) == owner.id
    assert document.application_id is None and document.kind == kind
    assert document.filename == "Reglement 2026.pdf"
    assert storage.read(document.storage_key) == PDF
    shown = client.get(url).get_data(as_text=True)
    section = shown.split('id="documents"')[1].split("</section")[0]
    assert "Reglement 2026.pdf" in section and client.user.full_name in section
    assert client.get(f"/documents/{document.id}").data == PDF


@pytest.mark.parametrize(
    ("segment", "key", "expected"),
    [
        ("calls", "call", {"lead": 403, "municipality": 403, "viewer": 403}),
        ("talks", "talk", {"lead": 403, "municipality": 403, "viewer": 403}),
        ("tasks", "task", {"lead": 303, "municipality": 403, "viewer": 403}),
        # A task preparing a dossier: who may not see the dossier does not see it.
        ("tasks", "dossier_task", {"lead": 404, "municipality": 403, "viewer": 404}),
        ("meetings", "meeting", {"lead": 403, "municipality": 403, "viewer": 403}),
    ],
)
def test_who_may_upload_on_each_owner(login_as, world, segment, key, expected):
    """Who may edit the owner uploads: the coordinator, a task's group lead; the
    municipality user is of the dossier's lead municipality (sees, may not edit)."""
    owner = world[key]
    for role, status in expected.items():
        kw = {"municipality": world["home"]} if role == "municipality" else {}
        if role == "lead":
            kw = {"municipality": world["away"]}
        client = login_as(role, **kw)
        if role == "lead":
            world["group"].leads.append(client.user)
            db.session.commit()
        before = len(_documents())
        assert _upload(client, segment, owner.id).status_code == status, role
        assert len(_documents()) - before == (1 if status == 303 else 0), role


def _seeded(world):
    """One document on each owner, uploaded by the coordinator's code."""
    names = {}
    for key, name in [
        ("call", "Reglement.pdf"),
        ("talk", "Gespreksnota.pdf"),
        ("task", "Opleverdocument.pdf"),
        ("dossier_task", "Geheime bijlage.pdf"),
        ("meeting", "Verslag overleg.pdf"),
    ]:
        document = documents.add_document(
            world[key], PDF, name, "annex", None, False, None
        )
        names[key] = (document.id, name)
    return names


#: Whether each role sees the document of each owner (page and download).
SEES = {
    "coordinator": {"call", "talk", "task", "dossier_task", "meeting"},
    "home": {"call", "task", "dossier_task", "meeting"},
    "away": {"call", "task", "meeting"},
    "viewer": {"call", "task", "meeting"},
}
PAGES = {
    "call": "/calls/{id}",
    "talk": "/talks/{id}/edit",
    "task": "/tasks/{id}",
    "dossier_task": "/tasks/{id}",
    "meeting": "/meetings/{id}",
}


@pytest.mark.parametrize("who", SEES)
def test_each_role_sees_and_downloads_only_what_it_may(login_as, world, who):
    names = _seeded(world)
    if who in ("home", "away"):
        client = login_as("municipality", municipality=world[who])
    else:
        client = login_as(who)
    for key, (document_id, name) in names.items():
        response = client.get(f"/documents/{document_id}")
        visible = key in SEES[who]
        assert response.status_code == (200 if visible else 404), (who, key)
        assert (response.data == PDF) is visible
        page = client.get(PAGES[key].format(id=world[key].id))
        if page.status_code == 200:
            assert (name in page.get_data(as_text=True)) is visible, (who, key)
        else:  # the owner itself is closed to this reader
            assert not visible and page.status_code in (403, 404)
    # The talk list names no talk document, whoever reads it.
    assert "Gespreksnota" not in client.get("/talks").get_data(as_text=True)


def test_a_refused_file_says_why_and_changes_nothing(app, login_as, world):
    client = _english(login_as("coordinator"))
    response = _upload(client, "calls", world["call"].id, b"MZ\x90 not a document")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This file type is not accepted" in page and "Digitale regio oproep" in page
    app.config["DOCUMENT_MAX_BYTES"] = 100
    response = _upload(client, "meetings", world["meeting"].id, PDF + b"0" * 200)
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    response = _upload(client, "tasks", world["task"].id, kind="approval_letter")
    assert response.status_code == 422  # not a kind a task's documents have
    assert _documents() == []
    assert db.session.scalar(text("SELECT count(*) FROM document_file")) == 0


def test_removal_archives_and_the_activity_follows_the_owners_readers(login_as, world):
    names = _seeded(world)
    coordinator = login_as("coordinator")
    coordinator.fetch_csrf("/")
    document_id, name = names["dossier_task"]
    response = coordinator.form(f"/documents/{document_id}/archive")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/tasks/{world['dossier_task'].id}#documents"
    )
    assert db.session.get(Document, document_id).archived_at is not None
    assert coordinator.get(f"/documents/{document_id}").status_code == 404
    entries = {
        (e.action, e.label): e
        for e in db.session.scalars(
            select(Activity).where(Activity.entity_type == "document")
        )
    }
    secret = entries[("archive", name)]
    assert (secret.audience, secret.application_id) == (
        "dossier",
        world["dossier"].id,
    )
    assert entries[("upload", "Gespreksnota.pdf")].audience == "coordinator"
    assert entries[("upload", "Reglement.pdf")].audience == "regional"
    assert entries[("upload", "Verslag overleg.pdf")].audience == "regional"
    home = _english(login_as("municipality", municipality=world["home"]))
    page = home.get("/activity").get_data(as_text=True)
    assert "Geheime bijlage.pdf" in page and "Reglement.pdf" in page
    assert "Gespreksnota" not in page
    away = login_as("municipality", municipality=world["away"])
    page = away.get("/activity").get_data(as_text=True)
    assert "Geheime bijlage" not in page and "Vertrouwelijk dossier" not in page
    assert "Reglement.pdf" in page


def test_only_who_edits_the_owner_removes(login_as, world):
    names = _seeded(world)
    client = login_as("municipality", municipality=world["home"])
    client.fetch_csrf("/")
    for key in ("call", "task", "meeting", "dossier_task"):
        assert client.form(f"/documents/{names[key][0]}/archive").status_code == 403
    assert client.form(f"/documents/{names['talk'][0]}/archive").status_code == 404
    assert all(d.archived_at is None for d in _documents())


def test_an_owner_with_documents_is_archived_not_deleted(login_as, world):
    names = _seeded(world)
    client = _english(login_as("coordinator"))
    client.fetch_csrf("/")
    task_id = world["task"].id
    response = client.form(f"/tasks/{task_id}/delete")
    assert response.status_code == 409
    assert "it has documents" in response.get_data(as_text=True)
    assert db.session.get(Task, task_id) is not None
    confirm = client.get(f"/tasks/{task_id}/delete").get_data(as_text=True)
    assert "cannot be deleted" in confirm and 'class="danger"' not in confirm
    for segment, key in (("calls", "call"), ("talks", "talk")):
        assert delete_blockers(world[key]) == (
            ["dossiers", "documents"] if key == "call" else ["documents"]
        )
        response = client.form(f"/{segment}/{world[key].id}/delete")
        assert response.status_code == 409
    # Archived like a dossier: the page still opens with its documents.
    assert client.form(f"/calls/{world['call'].id}/archive").status_code == 303
    page = client.get(f"/calls/{world['call'].id}").get_data(as_text=True)
    assert "Reglement.pdf" in page
    assert client.get(f"/documents/{names['call'][0]}").data == PDF


def test_a_document_has_exactly_one_owner(world):
    for owners in ({}, {"call_id": world["call"].id, "task_id": world["task"].id}):
        db.session.add(
            Document(
                filename="x.pdf",
                content_type="application/pdf",
                size=1,
                storage_key=f"k{len(owners)}",
                **owners,
            )  # fmt: skip
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_backup_has_the_documents_of_every_owner(app, world, tmp_path):
    names = _seeded(world)
    target = tmp_path / "copy.sqlite"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        rows = copy.execute(
            "SELECT d.filename, d.meeting_id, f.data FROM document d "
            "JOIN document_file f ON f.storage_key = d.storage_key "
            "WHERE d.meeting_id IS NOT NULL"
        ).fetchall()
    copy.close()
    assert rows == [(names["meeting"][1], world["meeting"].id, PDF)]


def test_the_downgrade_keeps_dossier_documents_and_the_upgrade_comes_back(app, world):
    """Migration documents_everywhere: down, the documents of other owners go
    (with their bytes), a dossier's stay; up again, every owner takes documents."""
    _seeded(world)
    kept = documents.add_document(
        world["dossier"], PDF, "Brief.pdf", "approval_letter", None, False, None
    )
    kept_id, kept_key, call_id = kept.id, kept.storage_key, world["call"].id
    runner = app.test_cli_runner()
    db.session.remove()
    down = runner.invoke(args=["db", "downgrade", "dashboard_indexes"])
    assert down.exit_code == 0, down.output
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM document")).all() == [(kept_id,)]
        assert connection.scalar(text("SELECT count(*) FROM document_file")) == 1
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert storage.read(kept_key) == PDF
    call = db.session.get(SubsidyCall, call_id)
    documents.add_document(call, PDF, "Nieuw.pdf", "regulations", None, False, None)
    assert db.session.scalar(select(func.count(Document.id))) == 2


def test_the_demo_has_a_calls_regulations_and_the_minutes_of_the_past_overleg(
    demo_login,
):
    viewer = demo_login("viewer@midwest.example")
    found = {}
    for column, kind in (("call_id", "regulations"), ("meeting_id", "minutes")):
        document = db.session.scalar(
            select(Document).where(
                getattr(Document, column).is_not(None), Document.kind == kind
            )
        )
        assert document is not None, kind
        found[kind] = document
    call = db.session.get(SubsidyCall, found["regulations"].call_id)
    meeting = db.session.get(Meeting, found["minutes"].meeting_id)
    assert call.title.startswith("Digitale dienstverlening 2027")
    assert meeting.forum.name == "Midwest-overleg" and meeting.held_on < date.today()
    for url, document in (
        (f"/calls/{call.id}", found["regulations"]),
        (f"/meetings/{meeting.id}", found["minutes"]),
    ):
        assert document.filename in viewer.get(url).get_data(as_text=True)
        response = viewer.get(f"/documents/{document.id}")
        assert response.status_code == 200 and response.data.startswith(b"%PDF-1.4")
        assert response.data.rstrip().endswith(b"%%EOF")


def _found(client, q: str) -> str:
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return page.split("<main", 1)[1]


@pytest.mark.parametrize("who", SEES)
def test_documents_are_found_by_name_by_who_may_see_them(login_as, world, who):
    names = _seeded(world)
    documents.add_document(
        world["dossier"], PDF, "Goedkeuringsbrief.pdf", "approval_letter",
        None, False, None,
    )  # fmt: skip
    if who in ("home", "away"):
        client = login_as("municipality", municipality=world[who])
    else:
        client = login_as(who)
    expected = SEES[who] | ({"dossier"} if who in ("coordinator", "home") else set())
    names["dossier"] = (None, "Goedkeuringsbrief.pdf")
    for key, (_id, name) in names.items():
        word = name.split()[0].split(".")[0]
        assert (name in _found(client, word)) is (key in expected), (who, key)
    page = _found(client, "Reglement")
    assert f'href="/calls/{world["call"].id}#documents"' in page


def test_a_removed_document_or_one_of_an_archived_owner_is_not_found(login_as, world):
    names = _seeded(world)
    client = login_as("coordinator")
    assert "Reglement.pdf" in _found(client, "reglement")
    client.fetch_csrf("/")
    assert client.form(f"/calls/{world['call'].id}/archive").status_code == 303
    assert "Reglement.pdf" not in _found(client, "reglement")
    assert "Opleverdocument.pdf" in _found(client, "opleverdocument")
    client.form(f"/documents/{names['task'][0]}/archive")
    assert "Opleverdocument.pdf" not in _found(client, "opleverdocument")
    assert client.form(f"/talks/{world['talk'].id}/archive").status_code == 303
    assert "Gespreksnota.pdf" not in _found(client, "gespreksnota")
    assert "Verslag overleg.pdf" in _found(client, "verslag")


def test_an_owners_page_runs_as_many_statements_with_more_documents(
    login_as, world, page_queries
):
    client = login_as("coordinator")
    keys = ("call", "talk", "task", "meeting")

    def add(count: int) -> None:
        for key in keys:
            for n in range(count):
                uploader = factories.user("coordinator")
                db.session.commit()
                documents.add_document(
                    world[key], PDF, f"Stuk {n}.pdf", "annex", None, False, uploader
                )

    def measure() -> dict[str, int]:
        counts = {}
        for key in keys:
            url = PAGES[key].format(id=world[key].id)
            with page_queries.counting() as log:
                assert client.get(url).status_code == 200
            # The page's own lazy loads are test_page_queries' business.
            assert not [n for n in log.lazy_loads if n.startswith("Document")]
            counts[url] = len(log)
        return counts

    add(1)
    small = measure()
    add(5)
    assert measure() == small

"""Public pages and open data: only what the coordinator published, no cookie."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.extensions import db
from app.public import publishing
from app.public.models import Publication
from tests import factories

SECRET = "SECRET"  # every unpublished or private text carries this word


@pytest.fixture
def world(app):
    """Published and unpublished objects of every kind, with private details."""
    home = factories.municipality("Izegem", nis_code="36008")
    partner = factories.municipality("Tielt")
    hidden = factories.municipality(f"{SECRET} Gemeente", slug="hidden-place")
    coordinator = factories.user(
        "coordinator", full_name=f"{SECRET} Coordinator", email="secret@x.org"
    )
    public_theme = factories.theme(title="Digitale loketten", description="Open.")
    private_theme = factories.theme(title=f"{SECRET} theme")
    group = factories.group(public_theme, name=f"{SECRET} group")
    factories.task(group, title=f"{SECRET} task", status="done", progress=100)
    factories.task(group, title=f"{SECRET} task 2", progress=50)
    factories.rollout(public_theme, home, stage="live", note=f"{SECRET} note")
    factories.rollout(public_theme, partner, stage="exploring")
    factories.rollout(private_theme, home, stage="preparing")
    factories.rollout(private_theme, hidden, stage="live")
    call = factories.call(title="Digitale transformatie")
    granted = factories.application(
        call,
        lead=home,
        partners=[partner],
        title="Slimme loketten",
        status="granted",
        granted_amount=Decimal("12500.50"),
        requested_amount=Decimal("15000"),
        theme_id=public_theme.id,
        notes=f"{SECRET} notes",
        reference=f"{SECRET}-REF",
    )
    factories.payment(granted, "5000.25")
    unpublished_grant = factories.application(
        call,
        lead=hidden,
        title=f"{SECRET} granted",
        status="granted",
        granted_amount=Decimal("999"),
    )
    draft = factories.application(call, lead=home, title=f"{SECRET} idea")
    threads = [factories.thread(title=f"Topic {i}") for i in range(2)]
    closed = factories.scoring_round(threads, status="closed", name="Bevraging 2021")
    for i, m in enumerate((home, partner, hidden)):
        factories.score(closed, threads[0], m, 7 + i, comment=f"{SECRET} comment")
    factories.score(closed, threads[1], home, 3)
    other_round = factories.scoring_round(threads, status="closed", name=f"{SECRET} r")
    db.session.commit()
    for obj in (public_theme, granted, closed):
        assert publishing.publish(obj, coordinator)
    db.session.commit()
    return {
        "home": home,
        "partner": partner,
        "hidden": hidden,
        "public_theme": public_theme,
        "private_theme": private_theme,
        "granted": granted,
        "unpublished_grant": unpublished_grant,
        "draft": draft,
        "closed": closed,
        "other_round": other_round,
        "coordinator": coordinator,
    }


PUBLIC_URLS = [
    "/public",
    "/public?lang=en",
    "/public/municipalities/izegem",
    "/public/municipalities/tielt",
    "/public/data/funded-projects.csv",
    "/public/data/funded-projects.json",
    "/public/data/rollout.csv",
    "/public/data/rollout.json",
    "/public/data/datapackage.json",
]


def _public_texts(client, world) -> dict[str, str]:
    urls = [*PUBLIC_URLS, f"/public/themes/{world['public_theme'].id}"]
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = response.get_data(as_text=True)
    return texts


def test_public_pages_show_what_is_published(client, world):
    texts = _public_texts(client, world)
    index = texts["/public"]
    assert "Digitale loketten" in index
    assert "Slimme loketten" in index
    assert "Bevraging 2021" in index
    assert "€\xa012.500,50" in index  # granted, Dutch format
    assert "€\xa05.000,25" in index  # paid
    theme_page = texts[f"/public/themes/{world['public_theme'].id}"]
    assert "1 / 2" in theme_page  # tasks done, from theme_progress
    assert "Izegem" in theme_page and "Tielt" in theme_page
    assert "Slimme loketten" in texts["/public/municipalities/tielt"]


def test_nothing_unpublished_or_private_appears(client, world):
    for url, text in _public_texts(client, world).items():
        assert SECRET not in text, url
        assert "secret@x.org" not in text, url


def test_round_results_hide_threads_with_few_answers(client, world):
    text = client.get("/public").get_data(as_text=True)
    assert "Topic 0" in text
    # Topic 1 has one answer (3): its mean would be Izegem's own score.
    row = text.split("Topic 1")[1].split("</tr>")[0]
    assert "3,0" not in row and "fewer than" not in row  # nl: "minder dan"
    assert "minder dan 3" in row


@pytest.mark.parametrize(
    "url",
    [
        "/public/municipalities/hidden-place",
        "/public/municipalities/no-such-place",
        "/public/data/secrets.csv",
        "/public/data/secrets.json",
    ],
)
def test_unpublished_or_unknown_is_404(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_unpublished_theme_is_404(client, world):
    assert client.get(f"/public/themes/{world['private_theme'].id}").status_code == 404


def test_unpublishing_removes_everything_again(client, world):
    for key in ("public_theme", "granted", "closed"):
        publishing.unpublish(world[key])
    db.session.commit()
    theme_id = world["public_theme"].id
    assert client.get(f"/public/themes/{theme_id}").status_code == 404
    assert client.get("/public/municipalities/izegem").status_code == 404
    index = client.get("/public").get_data(as_text=True)
    for text in ("Digitale loketten", "Slimme loketten", "Bevraging 2021"):
        assert text not in index
    for name in ("funded-projects", "rollout"):
        rows = list(
            csv.reader(io.StringIO(client.get(f"/public/data/{name}.csv").text))
        )
        assert len(rows) == 1  # the header alone
        assert client.get(f"/public/data/{name}.json").get_json() == []


def test_a_publication_never_outlives_its_rule(client, world):
    """A published round that is (somehow) open again is not shown."""
    world["closed"].status = "open"
    db.session.commit()
    assert "Bevraging 2021" not in client.get("/public").get_data(as_text=True)


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "/public/municipalities/nowhere"])
def test_public_answers_set_no_cookie_even_for_a_signed_in_member(
    client, world, login_as, url
):
    assert "Set-Cookie" not in client.get(url).headers
    login_as(world["coordinator"])
    response = client.get(url, headers={"Cookie": "remember_token=forged"})
    assert "Set-Cookie" not in response.headers
    # A signed-in member sees the same (cacheable) page as anyone.
    assert SECRET not in response.get_data(as_text=True)


def test_public_pages_are_cacheable_with_an_etag(client, world):
    response = client.get("/public")
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    etag = response.headers["ETag"]
    again = client.get("/public", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "Set-Cookie" not in again.headers


def test_language_from_query_or_browser_never_a_session(client, world):
    assert '<html lang="nl">' in client.get("/public").text
    assert "Funded projects" in client.get("/public?lang=en").text
    english = client.get("/public", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "Accept-Language" in english.headers["Vary"]
    # ?lang=en was not remembered anywhere.
    assert '<html lang="nl">' in client.get("/public").text


def test_public_page_is_accessible_markup(client, world):
    text = client.get("/public").text
    assert text.count("<h1") == 1
    assert text.count("<table") == text.count("<caption")
    assert 'scope="col"' in text and 'scope="row"' in text
    assert 'name="csrf_token"' not in text and "X-CSRFToken" not in text


# --- open data ---


def _datapackage(client) -> dict:
    return client.get("/public/data/datapackage.json").get_json()


@pytest.mark.parametrize("name", ["funded-projects", "rollout"])
def test_csv_columns_equal_the_datapackage_schema(client, world, name):
    package = _datapackage(client)
    resource = next(r for r in package["resources"] if r["path"] == f"{name}.csv")
    fields = [f["name"] for f in resource["schema"]["fields"]]
    response = client.get(f"/public/data/{name}.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")  # after the byte order mark
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert list(rows[0]) == fields
    as_json = client.get(f"/public/data/{name}.json").get_json()
    assert all(list(row) == fields for row in as_json)
    # The same values; what the CSV leaves empty is null in the JSON.
    assert [
        {k: "" if v is None else str(v) for k, v in row.items()} for row in as_json
    ] == rows


def test_datapackage_describes_types_units_and_licence(client, world):
    package = _datapackage(client)
    assert package["licenses"][0]["name"] == "CC0-1.0"
    funded = next(r for r in package["resources"] if r["path"] == "funded-projects.csv")
    fields = {f["name"]: f for f in funded["schema"]["fields"]}
    assert fields["granted_amount"]["type"] == "number"
    assert fields["granted_amount"]["unit"] == "EUR"
    assert all(f["description"] for f in fields.values())
    assert fields["project_start"]["type"] == "date"


def test_funded_projects_csv_has_plain_decimal_amounts(client, world):
    text = client.get("/public/data/funded-projects.csv").get_data().decode("utf-8")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["title"] == "Slimme loketten"
    assert row["granted_amount"] == "12500.50"
    assert row["paid_amount"] == "5000.25"
    assert row["lead_municipality"] == "Izegem"
    assert row["lead_nis_code"] == "36008"
    assert row["partner_municipalities"] == "Tielt"
    assert row["theme"] == "Digitale loketten"


def test_rollout_data_lists_only_published_themes(client, world):
    rows = client.get("/public/data/rollout.json").get_json()
    assert {(r["theme"], r["municipality"], r["stage"]) for r in rows} == {
        ("Digitale loketten", "Izegem", "live"),
        ("Digitale loketten", "Tielt", "exploring"),
    }
    assert json.dumps(rows).count(SECRET) == 0


# --- publishing ---


def _publish_url(kind: str, obj) -> str:
    return f"/publications/{kind}/{obj.id}"


@pytest.mark.parametrize("role", ["lead", "municipality", "viewer"])
def test_only_the_coordinator_publishes(client, world, login_as, role):
    login_as(role)
    before = db.session.scalar(select(db.func.count(Publication.id)))
    for kind, key in (("theme", "private_theme"), ("round", "other_round")):
        response = client.form(_publish_url(kind, world[key]))
        assert response.status_code == 403
        response = client.form(_publish_url(kind, world[key]) + "/withdraw")
        assert response.status_code == 403
    assert db.session.scalar(select(db.func.count(Publication.id))) == before


def test_coordinator_publishes_and_unpublishes_with_htmx(client, world, login_as):
    login_as(world["coordinator"])
    theme = world["private_theme"]
    response = client.htmx("POST", _publish_url("theme", theme))
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Depubliceren" in response.text or "Unpublish" in response.text
    assert publishing.publication_of(theme) is not None
    assert client.get(f"/public/themes/{theme.id}").status_code == 200
    response = client.form(_publish_url("theme", theme) + "/withdraw")
    assert response.status_code == 303
    assert publishing.publication_of(theme) is None
    actions = db.session.scalars(
        select(Activity.action).where(
            Activity.entity_type == "theme", Activity.entity_id == theme.id
        )
    ).all()
    assert actions == ["publish", "unpublish"]


@pytest.mark.parametrize("key", ["draft"])
def test_a_dossier_that_is_not_granted_cannot_be_published(
    client, world, login_as, key
):
    login_as(world["coordinator"])
    response = client.htmx("POST", _publish_url("application", world[key]))
    assert response.status_code == 422
    assert publishing.publication_of(world[key]) is None


def test_an_open_round_cannot_be_published(client, world, login_as):
    login_as(world["coordinator"])
    open_round = factories.scoring_round(status="open")
    db.session.commit()
    response = client.form(_publish_url("round", open_round))
    assert response.status_code == 422
    assert publishing.publication_of(open_round) is None


def test_unknown_kind_or_object_is_404(client, world, login_as):
    login_as(world["coordinator"])
    assert client.form("/publications/user/1").status_code == 404
    assert client.form("/publications/theme/99999").status_code == 404


def test_publish_button_on_the_pages_of_the_coordinator(client, world, login_as):
    login_as(world["coordinator"])
    page = client.get(f"/themes/{world['private_theme'].id}").text
    assert f'action="/publications/theme/{world["private_theme"].id}"' in page
    page = client.get(f"/applications/{world['granted'].id}").text
    assert f"/publications/application/{world['granted'].id}/withdraw" in page
    page = client.get(f"/rounds/{world['closed'].id}/results").text
    assert f"/publications/round/{world['closed'].id}/withdraw" in page


def test_no_publish_button_for_others(client, world, login_as):
    login_as("viewer")
    page = client.get(f"/themes/{world['public_theme'].id}").text
    assert "/publications/" not in page


def test_deleting_an_object_deletes_its_publication(app, world):
    granted = world["granted"]
    db.session.delete(granted)
    db.session.commit()
    assert (
        db.session.scalar(
            select(Publication).where(Publication.application_id == granted.id)
        )
        is None
    )


# --- the same for everyone, in a bounded number of queries ---


@pytest.mark.parametrize(
    "url", ["/public", "/public/municipalities/izegem", "/public/data/rollout.csv"]
)
def test_public_queries_do_not_grow_with_what_is_published(
    client, world, page_queries, url
):
    before = len(page_queries(client, url))
    for i in range(4):
        theme = factories.theme(title=f"Extra theme {i}")
        factories.rollout(theme, world["home"], stage="exploring")
        dossier = factories.application(
            lead=world["home"],
            partners=[world["partner"]],
            status="closed",
            granted_amount=Decimal("100"),
        )
        factories.payment(dossier, "50")
        publishing.publish(theme, world["coordinator"])
        publishing.publish(dossier, world["coordinator"])
    db.session.commit()
    assert len(page_queries(client, url)) == before


@pytest.mark.parametrize("role", ["coordinator", "lead", "municipality", "viewer"])
def test_every_role_sees_the_same_public_page(app, world, role):
    from tests.conftest import Client, sign_in_session

    app.test_client_class = Client
    anonymous, member = app.test_client(), app.test_client()
    sign_in_session(member, factories.user(role))
    db.session.commit()
    for url in (
        "/public",
        "/public/municipalities/izegem",
        "/public/data/rollout.json",
    ):
        seen = member.get(url)
        assert seen.get_data() == anonymous.get(url).get_data()
        assert seen.headers["Cache-Control"].startswith("public")


# --- issue 24 item 3: strict tools read the open data ---


def _write_package(client, folder) -> dict:
    """The data package and its resources as served, written to `folder`."""
    package = client.get("/public/data/datapackage.json")
    (folder / "datapackage.json").write_bytes(package.get_data())
    for resource in package.get_json()["resources"]:
        served = client.get(f"/public/data/{resource['path']}")
        assert served.status_code == 200
        (folder / resource["path"]).write_bytes(served.get_data())
    return package.get_json()


def _frictionless_errors(folder) -> list[str]:
    """What `frictionless validate` finds in the package written to `folder`
    (frictionless reads the JSON resources with ijson, its "json" extra)."""
    from frictionless import validate

    path = folder / "datapackage.json"
    report = validate(str(path))
    return [
        f"{task.name}: {error.type}: {error.message}"
        for task in report.tasks
        for error in task.errors
    ] + [f"{error.type}: {error.message}" for error in report.errors]


def test_the_data_package_passes_frictionless_validate(client, world, tmp_path):
    package = _write_package(client, tmp_path)
    assert len(package["resources"]) == 4
    assert _frictionless_errors(tmp_path) == []


def test_the_demo_data_package_passes_frictionless_validate(demo_client, tmp_path):
    _write_package(demo_client, tmp_path)
    assert _frictionless_errors(tmp_path) == []


@pytest.mark.parametrize("name", ["funded-projects", "rollout"])
def test_json_objects_keep_the_schema_order(client, world, name):
    package = _datapackage(client)
    resource = next(r for r in package["resources"] if r["path"] == f"{name}.json")
    fields = [f["name"] for f in resource["schema"]["fields"]]
    rows = json.loads(client.get(f"/public/data/{name}.json").get_data())
    assert rows and all(list(row) == fields for row in rows)


def test_csv_starts_with_a_utf8_byte_order_mark(client, world):
    """A spreadsheet's default import reads UTF-8 only with the mark: "–" and
    "é" stay what they are instead of "â€“"."""
    world["home"].name = "Izegem – Émelgem"
    db.session.commit()
    for name in ("funded-projects", "rollout"):
        body = client.get(f"/public/data/{name}.csv").get_data()
        assert body.startswith(b"\xef\xbb\xbf")
        assert "Izegem – Émelgem" in body.decode("utf-8-sig")
        assert not body[3:].startswith(b"\xef\xbb\xbf")  # one mark, at the start


def test_open_data_carries_nis_codes_and_gemeente_uris(client, world):
    projects = client.get("/public/data/funded-projects.json").get_json()
    assert projects[0]["lead_nis_code"] == "36008"
    assert projects[0]["lead_municipality_uri"] == (
        "https://data.vlaanderen.be/id/gemeente/36008"
    )
    rollout = {
        r["municipality"]: r for r in client.get("/public/data/rollout.json").get_json()
    }
    assert rollout["Izegem"]["nis_code"] == "36008"
    assert rollout["Izegem"]["municipality_uri"] == (
        "https://data.vlaanderen.be/id/gemeente/36008"
    )
    # Tielt has no NIS code in this world: null, not a made-up address.
    assert rollout["Tielt"]["nis_code"] is None
    assert rollout["Tielt"]["municipality_uri"] is None
    text = client.get("/public/data/rollout.csv").get_data().decode("utf-8-sig")
    rows = {r["municipality"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["Tielt"]["municipality_uri"] == "" and rows["Tielt"]["nis_code"] == ""
    assert rows["Izegem"]["municipality_uri"].endswith("/gemeente/36008")


def test_the_homepage_comes_from_base_url_never_the_host_header(app, client, world):
    app.config["BASE_URL"] = "https://tracker.midwest.example/app"
    response = client.get(
        "/public/data/datapackage.json", headers={"Host": "evil.example"}
    )
    assert response.get_json()["homepage"] == (
        "https://tracker.midwest.example/app/public"
    )


#: The 16 besturen of the demo and their NIS codes (Statbel REFNIS, the codes
#: before the 2025 mergers; checked against two published lists).
DEMO_NIS_CODES = {
    "Ardooie": "37020",
    "Hooglede": "36006",
    "Ingelmunster": "36007",
    "Izegem": "36008",
    "Ledegem": "36010",
    "Lichtervelde": "36011",
    "Meulebeke": "37007",
    "Moorslede": "36012",
    "Oostrozebeke": "37010",
    "Pittem": "37011",
    "Roeselare": "36015",
    "Ruiselede": "37012",
    "Staden": "36019",
    "Tielt": "37015",
    "Wielsbeke": "37017",
    "Wingene": "37018",
}


def test_the_demo_municipalities_have_their_nis_codes(demo_app):
    from app.municipalities.models import Municipality

    found = dict(
        db.session.execute(select(Municipality.name, Municipality.nis_code)).all()
    )
    assert found == DEMO_NIS_CODES

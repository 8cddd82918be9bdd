"""Every rule in app/auth/permissions.py, for every role."""

import pytest
from sqlalchemy import select

from app.auth import permissions as perm
from app.extensions import db
from app.subsidies.models import Application
from tests import factories

ROLES = (
    "anonymous",
    "coordinator",
    "lead",
    "municipality",
    "viewer",
    "other_municipality",
)


class Anonymous:
    is_authenticated = False


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    away = factories.municipality("Tielt")
    merged = factories.municipality("Meulebeke")
    from datetime import date

    merged.merged_into_id = away.id
    merged.merged_on = date(2025, 1, 1)
    users = {
        "anonymous": Anonymous(),
        "coordinator": factories.user("coordinator"),
        "lead": factories.user("lead", home),
        "municipality": factories.user("municipality", home),
        "viewer": factories.user("viewer"),
        "other_municipality": factories.user("municipality", away),
    }
    theme = factories.theme()
    own_group = factories.group(theme, leads=[users["lead"]])
    other_group = factories.group(factories.theme())
    w = {
        "home": home,
        "away": away,
        "merged": merged,
        "users": users,
        "own_group": own_group,
        "other_group": other_group,
        "open_round": factories.scoring_round(status="open"),
        "closed_round": factories.scoring_round(status="closed"),
        "own_task": factories.task(own_group),
        "other_task": factories.task(other_group),
        "assigned_task": factories.task(
            other_group, assignee_id=users["municipality"].id
        ),
        "home_rollout": factories.rollout(theme, home),
        "away_rollout": factories.rollout(factories.theme(), away),
        "merged_rollout": factories.rollout(theme, merged),
        "lead_app": factories.application(lead=home),
        "partner_app": factories.application(lead=away, partners=[home]),
        "foreign_app": factories.application(lead=away),
    }
    db.session.commit()
    return w


def _check(world, rule, expected_roles, *args):
    for role in ROLES:
        user = world["users"][role]
        assert rule(user, *args) is (role in expected_roles), (rule.__name__, role)


@pytest.mark.parametrize(
    "rule",
    [
        perm.can_administer,
        perm.can_manage_users,
        perm.can_manage_rounds,
        perm.can_promote_threads,
        perm.can_manage_calls,
        perm.can_import_scores,
        perm.can_view_score_matrix,
        perm.can_manage_application,
    ],
)
def test_coordinator_only_rules(world, rule):
    _check(world, rule, {"coordinator"})


def test_regional_pages_for_every_signed_in_role(world):
    _check(world, perm.can_view_regional, set(ROLES) - {"anonymous"})


def test_applications_pages_not_for_viewers(world):
    _check(
        world,
        perm.can_view_applications,
        {"coordinator", "lead", "municipality", "other_municipality"},
    )
    _check(
        world,
        perm.can_view_activity,
        {"coordinator", "lead", "municipality", "other_municipality"},
    )


def test_score_own_municipality_while_open(world):
    _check(
        world,
        perm.can_score,
        {"coordinator", "lead", "municipality"},
        world["open_round"],
        world["home"],
    )
    _check(world, perm.can_score, set(), world["closed_round"], world["home"])
    _check(world, perm.can_score, set(), world["open_round"], world["merged"])


def test_individual_scores_own_or_coordinator(world):
    _check(
        world,
        perm.can_view_scores_of,
        {"coordinator", "lead", "municipality"},
        world["closed_round"],
        world["home"].id,
    )
    _check(
        world,
        perm.can_view_scores_of,
        {"coordinator", "other_municipality"},
        world["open_round"],
        world["away"].id,
    )


def test_round_results_when_closed_or_coordinator(world):
    _check(world, perm.can_view_round_results, {"coordinator"}, world["open_round"])
    _check(
        world,
        perm.can_view_round_results,
        set(ROLES) - {"anonymous"},
        world["closed_round"],
    )


def test_group_and_task_editing(world):
    _check(world, perm.can_edit_group, {"coordinator", "lead"}, world["own_group"])
    _check(world, perm.can_edit_group, {"coordinator"}, world["other_group"])
    _check(world, perm.can_create_task, {"coordinator", "lead"}, world["own_group"])
    _check(world, perm.can_edit_task, {"coordinator", "lead"}, world["own_task"])
    _check(world, perm.can_edit_task, {"coordinator"}, world["other_task"])
    _check(
        world, perm.can_update_task_progress, {"coordinator", "lead"}, world["own_task"]
    )
    _check(
        world,
        perm.can_update_task_progress,
        {"coordinator", "municipality"},
        world["assigned_task"],
    )


def test_rollout_editing(world):
    # The lead leads a group of the home rollout's theme and belongs to home.
    _check(
        world,
        perm.can_edit_rollout,
        {"coordinator", "lead", "municipality"},
        world["home_rollout"],
    )
    _check(
        world,
        perm.can_edit_rollout,
        {"coordinator", "other_municipality"},
        world["away_rollout"],
    )
    _check(world, perm.can_edit_rollout, set(), world["merged_rollout"])


def test_application_visibility_and_notes(world):
    involved = {"coordinator", "lead", "municipality"}
    _check(world, perm.can_view_application, involved, world["lead_app"])
    _check(
        world,
        perm.can_view_application,
        involved | {"other_municipality"},
        world["partner_app"],
    )
    _check(
        world,
        perm.can_view_application,
        {"coordinator", "other_municipality"},
        world["foreign_app"],
    )
    _check(world, perm.can_edit_application_notes, involved, world["lead_app"])
    _check(
        world,
        perm.can_edit_application_notes,
        {"coordinator", "other_municipality"},
        world["partner_app"],
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", {"lead_app", "partner_app", "foreign_app"}),
        ("municipality", {"lead_app", "partner_app"}),
        ("lead", {"lead_app", "partner_app"}),
        ("other_municipality", {"partner_app", "foreign_app"}),
        ("viewer", set()),
    ],
)
def test_visible_applications_query_matches_the_object_rule(world, role, expected):
    query = perm.visible_applications(world["users"][role], select(Application.id))
    ids = set(db.session.scalars(query))
    assert ids == {world[name].id for name in expected}
    for name in ("lead_app", "partner_app", "foreign_app"):
        assert perm.can_view_application(world["users"][role], world[name]) is (
            name in expected
        )

"""Progress figures on a hand-computed example, and the timeline geometry."""

from datetime import date

import pytest

from app.extensions import db
from app.work.progress import (
    Progress,
    group_progress,
    municipality_progress,
    theme_progress,
)
from app.work.timeline import TimelineItem, build_timeline
from tests import factories


@pytest.fixture
def example(app):
    """Group 1: done(100), in_progress(50), todo(0)  -> 1/3 done, mean 50.
    Group 2 (same theme): done(100), blocked(20)     -> 1/2 done, mean 60.
    Theme: 2/5 done, mean (100+50+0+100+20)/5 = 54.
    Empty group and empty theme: 0/0, no mean."""
    izegem, tielt = factories.municipality("Izegem"), factories.municipality("Tielt")
    theme, empty_theme = factories.theme(), factories.theme()
    one, two, empty = (
        factories.group(theme),
        factories.group(theme),
        factories.group(empty_theme),
    )
    for group, status, progress, place in [
        (one, "done", 100, izegem),
        (one, "in_progress", 50, izegem),
        (one, "todo", 0, None),
        (two, "done", 100, tielt),
        (two, "blocked", 20, izegem),
    ]:
        factories.task(
            group,
            status=status,
            progress=progress,
            municipality_id=getattr(place, "id", None),
        )
    # a task without a group counts for its municipality, not for a theme
    factories.task(
        None, group_id=None, status="todo", progress=30, municipality_id=tielt.id
    )
    factories.rollout(theme, izegem, stage="live")
    factories.rollout(empty_theme, izegem, stage="live")
    factories.rollout(theme, tielt, stage="exploring")
    db.session.commit()
    return locals()


def test_group_progress(example):
    result = group_progress([example["one"].id, example["two"].id, example["empty"].id])
    assert result[example["one"].id] == Progress(done=1, total=3, mean_progress=50.0)
    assert result[example["two"].id] == Progress(done=1, total=2, mean_progress=60.0)
    assert result[example["empty"].id] == Progress()
    assert result[example["one"].id].share_done == pytest.approx(1 / 3)
    assert result[example["empty"].id].share_done is None


def test_theme_progress(example):
    result = theme_progress([example["theme"].id, example["empty_theme"].id])
    assert result[example["theme"].id] == Progress(done=2, total=5, mean_progress=54.0)
    assert result[example["empty_theme"].id] == Progress()


def test_municipality_progress(example):
    izegem, tielt = example["izegem"].id, example["tielt"].id
    result = municipality_progress([izegem, tielt])
    assert result[izegem].stages == {"live": 2}
    assert result[izegem].live == 2
    # Izegem: done(100), in_progress(50), blocked(20) -> 1/3, mean 170/3
    assert result[izegem].tasks.done == 1 and result[izegem].tasks.total == 3
    assert result[izegem].tasks.mean_progress == pytest.approx(170 / 3)
    # Tielt: done(100) and the group-less todo(30) -> 1/2, mean 65
    assert result[tielt].stages == {"exploring": 1}
    assert result[tielt].tasks == Progress(done=1, total=2, mean_progress=65.0)
    assert municipality_progress([]) == {}


def test_pages_show_the_same_figures(login_as, example):
    client = login_as("viewer")
    theme_page = client.get(f"/themes/{example['theme'].id}").get_data(as_text=True)
    assert '<div data-figure="tasks"><strong>2 / 5</strong>' in theme_page
    assert '<div data-figure="mean"><strong>54%</strong>' in theme_page
    group_page = client.get(f"/groups/{example['two'].id}").get_data(as_text=True)
    assert '<strong data-figure="done">1 / 2</strong>' in group_page
    themes_page = client.get("/themes").get_data(as_text=True)
    assert 'data-done="2" data-total="5"' in themes_page


def test_timeline_places_items_in_order_with_today(app):
    today = date(2026, 6, 15)
    items = [
        TimelineItem("task", "Later", date(2026, 9, 1), "todo"),
        TimelineItem("task", "Late", date(2026, 5, 1), "todo", overdue=True),
        TimelineItem("call", "Call", date(2026, 7, 1), "deadline"),
    ]
    with app.test_request_context():
        timeline = build_timeline(items, today)
    titles = [p.item.title for p in timeline.items]
    assert titles == ["Late", "Call", "Later"]
    xs = [p.x for p in timeline.items]
    assert xs == sorted(xs)
    assert xs[0] < timeline.today_x < xs[1]
    assert timeline.chart_left <= min(xs) and max(xs) <= timeline.chart_right
    assert [p.y for p in timeline.items] == sorted({p.y for p in timeline.items})
    assert len(timeline.ticks) >= 4  # May … September, monthly
    assert build_timeline([], today) is None

"""The factory registers commands and exporters itself (issue 14), not view
modules as a side effect of being imported."""

from __future__ import annotations

import ast
from pathlib import Path

from app.exports.registry import EXPORTERS

APP = Path(__file__).resolve().parent.parent / "app"


def test_commands_are_registered_by_the_factory(app):
    commands = set(app.cli.list_commands(None))
    expected = {"seed-demo", "create-user", "backup", "generate-data"}
    assert expected | {"import-scores", "send-reminders"} <= commands


def test_exporters_are_registered_by_the_factory(app):
    assert {"tasks", "scores", "forum-report", "municipality"} <= set(EXPORTERS)


def test_no_view_module_imports_commands_or_exporters():
    for views in APP.glob("*/views.py"):
        tree = ast.parse(views.read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{a.name}" for a in node.names)
        side_effects = {
            name
            for name in imported
            if name.endswith(".cli")
            or (name.endswith(".exports") and name != "app.exports")
        }
        assert not side_effects, views

"""The factory registers commands and exporters itself (issue 14), not view
modules as a side effect of being imported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from app.exports.registry import EXPORTERS

APP = Path(__file__).resolve().parent.parent / "app"
REQUEST_WIDE = ["audit", "errors", "headers", "inputs", "session", "templates"]


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


def test_auth_views_import_first_without_the_web_cycle():
    """A fresh interpreter imports app.auth.views first; of app/web/ it pulls in
    only the view helpers, none of the modules that import app.auth back."""
    code = (
        "import sys, app.auth.views; "
        "print(*sorted(m for m in sys.modules if m.startswith('app.web')))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and package
        [sys.executable, "-c", code],
        cwd=APP.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["app.web", "app.web.htmx", "app.web.redirects"]


def test_the_factory_registers_each_request_wide_module():
    tree = ast.parse((APP / "__init__.py").read_text())
    called = {
        node.func.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.attr.startswith("register_")
    }
    assert set(REQUEST_WIDE) <= called

"""The route table: one row per (method, URL) with the expected status per role.

Each domain keeps its rows in a module of this package (`ROUTES`, and the
`PLACEHOLDERS` its URLs use, each a function of no arguments run inside the demo
app returning the value). tests/test_route_table.py runs every row for every role
and fails when an endpoint of the app has no row (deny by default).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "coordinator", "lead", "municipality", "viewer")
#: The demo user who plays each role.
ROLE_USERS = {
    "coordinator": "coordinator@midwest.example",
    "lead": "lead@midwest.example",  # Roeselare, leads the first theme's group
    "municipality": "izegem@midwest.example",
    "viewer": "viewer@midwest.example",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: dict[str, int]
    data: dict[str, Any] = field(default_factory=dict)
    htmx: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}{' (htmx)' if self.htmx else ''}"


def page(path: str, anonymous: int = 302, everyone: int = 200, **by_role: int) -> Route:
    """A GET that every signed-in role may open unless told otherwise."""
    expected = {role: everyone for role in ROLES[1:]} | {"anonymous": anonymous}
    return Route("GET", path, expected | by_role)


def action(
    method: str,
    path: str,
    allowed: dict[str, int],
    denied: int = 403,
    anonymous: int = 302,
    data: dict[str, Any] | None = None,
    htmx: bool = False,
) -> Route:
    """A change: the roles in `allowed` get their status, the others `denied`."""
    expected = {role: allowed.get(role, denied) for role in ROLES[1:]}
    expected["anonymous"] = anonymous
    return Route(method, path, expected, data or {}, htmx)


def collect() -> tuple[list[Route], dict[str, Callable[[], Any]]]:
    """Every row and placeholder of every module in this package."""
    routes: list[Route] = []
    placeholders: dict[str, Callable[[], Any]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        routes.extend(getattr(module, "ROUTES", []))
        placeholders.update(getattr(module, "PLACEHOLDERS", {}))
    return routes, placeholders

"""Exporters register here by name; the one route looks them up.

An exporter is a function `(user, args, param) -> Workbook` (args: the query
string; param: see below, else None) that authorizes itself
(`abort(403)` / `abort(404)`) and builds its workbook with `app.exports.excel`.
A name may carry a parameter after a dash: `scores-12` calls the exporter
registered as `scores` with `param="12"`.
"""

from __future__ import annotations

from collections.abc import Callable

EXPORTERS: dict[str, Callable] = {}


def exporter(name: str, *, with_param: bool = False):
    """Register `function` as the export called `name` (or `name-<param>`)."""

    def register(function: Callable) -> Callable:
        function.with_param = with_param
        EXPORTERS[name] = function
        return function

    return register


def find(full_name: str) -> tuple[Callable, str | None] | None:
    """The exporter for `tasks` or `scores-12`, and its parameter."""
    if full_name in EXPORTERS and not EXPORTERS[full_name].with_param:
        return EXPORTERS[full_name], None
    base, _dash, param = full_name.partition("-")
    function = EXPORTERS.get(base)
    if function is not None and function.with_param and param:
        return function, param
    return None

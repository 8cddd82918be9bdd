"""Excel exports of the strategy domain (registered by name)."""

from __future__ import annotations

from flask import abort

from app.auth import permissions
from app.exports.registry import exporter
from app.strategy.rounds import get_round
from app.strategy.workbooks import export_workbook
from app.web.params import parse_int


@exporter("scores", with_param=True)
def scores(user, args, param):
    """`scores-<round_id>`: results for whoever may see them; individual scores
    only for the coordinator (all) and a municipality (its own column)."""
    round_id = parse_int(param)
    if round_id is None:
        abort(404)
    scoring_round = get_round(user, round_id)
    if not permissions.can_view_round_results(user, scoring_round):
        abort(403)
    return export_workbook(scoring_round, user)

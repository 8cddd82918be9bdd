"""Open data: funded projects and rollout, as CSV and JSON, described by a
Frictionless Data Package. The schema below is the contract: the files are
written from it, so a column can never be missing from the description, and
every JSON object holds its keys in the schema's order (strict tools read the
first object's keys as the labels).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.public.pages import funding, published_themes, stage_rows
from app.work.themes import all_municipalities

LICENCE = {
    "name": "CC0-1.0",
    "path": "https://creativecommons.org/publicdomain/zero/1.0/",
    "title": "Creative Commons Zero v1.0 Universal",
}


#: The address of a municipality in the Flemish base registry, from its NIS code.
GEMEENTE_URI = "https://data.vlaanderen.be/id/gemeente/{nis_code}"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless Table Schema type
    description: str
    unit: str | None = None
    format: str | None = None

    def descriptor(self) -> dict[str, Any]:
        result = {"name": self.name, "type": self.type, "description": self.description}
        if self.format:
            result["format"] = self.format
        if self.type == "number":
            result["decimalChar"] = "."
            result["groupChar"] = ""
        if self.unit:
            result["unit"] = self.unit
        return result


FUNDED_PROJECTS = (
    Field("id", "integer", "Identifier of the dossier in the tracker."),
    Field("title", "string", "Title of the funded project."),
    Field("call", "string", "The subsidy call that funds it."),
    Field("funder", "string", "The funder of the call."),
    Field("status", "string", "granted, reporting or closed."),
    Field("lead_municipality", "string", "Name of the lead municipality."),
    Field("lead_nis_code", "string", "NIS code of the lead municipality (if known)."),
    Field(
        "lead_municipality_uri",
        "string",
        "The lead municipality in the Flemish base registry (data.vlaanderen.be),"
        " if its NIS code is known.",
        format="uri",
    ),
    Field(
        "partner_municipalities",
        "string",
        "Names of the partner municipalities, separated by '; '.",
    ),
    Field("theme", "string", "The published theme it realises (empty if none)."),
    Field("granted_amount", "number", "Amount granted, in euro.", "EUR"),
    Field("paid_amount", "number", "Amount paid so far, in euro.", "EUR"),
    Field("project_start", "date", "First day of the project (ISO 8601)."),
    Field("project_end", "date", "Last day of the project (ISO 8601)."),
)
ROLLOUT = (
    Field("theme_id", "integer", "Identifier of the theme in the tracker."),
    Field("theme", "string", "Title of the theme."),
    Field("municipality", "string", "Name of the municipality."),
    Field("municipality_slug", "string", "Short name used in the tracker's URLs."),
    Field("nis_code", "string", "NIS code of the municipality (if known)."),
    Field(
        "municipality_uri",
        "string",
        "The municipality in the Flemish base registry (data.vlaanderen.be),"
        " if its NIS code is known.",
        format="uri",
    ),
    Field(
        "stage",
        "string",
        "not_participating, not_started, exploring, preparing, implementing or live.",
    ),
)
RESOURCES = {"funded-projects": FUNDED_PROJECTS, "rollout": ROLLOUT}


# Missing values are None: empty in the CSV, null in the JSON.


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _day(value) -> str | None:
    return value.isoformat() if value else None


def gemeente_uri(nis_code: str | None) -> str | None:
    """The municipality's URI at data.vlaanderen.be; None without a NIS code."""
    return GEMEENTE_URI.format(nis_code=nis_code) if nis_code else None


def funded_project_rows() -> list[dict[str, Any]]:
    """One row per published dossier, in the order of FUNDED_PROJECTS."""
    found = funding()
    rows = []
    for dossier in found.dossiers:
        theme = dossier.theme if dossier.theme_id in found.public_theme_ids else None
        partners = sorted(p.municipality.name for p in dossier.partners)
        rows.append(
            {
                "id": dossier.id,
                "title": dossier.title,
                "call": dossier.call.title,
                "funder": dossier.call.funder,
                "status": dossier.status,
                "lead_municipality": dossier.lead_municipality.name,
                "lead_nis_code": dossier.lead_municipality.nis_code,
                "lead_municipality_uri": gemeente_uri(
                    dossier.lead_municipality.nis_code
                ),
                "partner_municipalities": "; ".join(partners),
                "theme": theme.title if theme else None,
                "granted_amount": _amount(dossier.granted_amount),
                "paid_amount": _amount(found.paid.get(dossier.id)),
                "project_start": _day(dossier.project_start),
                "project_end": _day(dossier.project_end),
            }
        )
    return rows


def rollout_rows() -> list[dict[str, Any]]:
    """One row per published theme × municipality that has a rollout stage."""
    themes = published_themes()
    stages = stage_rows([t.id for t in themes])
    municipalities = all_municipalities()
    return [
        {
            "theme_id": theme.id,
            "theme": theme.title,
            "municipality": m.name,
            "municipality_slug": m.slug,
            "nis_code": m.nis_code,
            "municipality_uri": gemeente_uri(m.nis_code),
            "stage": stages[(theme.id, m.id)],
        }
        for theme in themes
        for m in municipalities
        if (theme.id, m.id) in stages
    ]


ROWS = {"funded-projects": funded_project_rows, "rollout": rollout_rows}


def as_csv(name: str) -> str:
    """The resource as CSV text: a header, then the rows (amounts with a dot).

    It starts with a UTF-8 byte order mark: a spreadsheet's default import
    reads UTF-8 without one as Windows-1252 ("–" becomes "â€“")."""
    fields = [field.name for field in RESOURCES[name]]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in ROWS[name]():
        # Cells that a spreadsheet would run as a formula are written as text.
        writer.writerow({k: _no_formula(v) for k, v in row.items()})
    return out.getvalue()


def _no_formula(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_json(name: str) -> list[dict[str, Any]]:
    """The resource as a list of objects with the CSV's keys (in the schema's
    order) and values (null where the CSV is empty)."""
    fields = [field.name for field in RESOURCES[name]]
    return [{key: row[key] for key in fields} for row in ROWS[name]()]


def json_text(data: Any) -> str:
    """JSON with the keys in the order given (Flask's JSON provider sorts them)."""
    return json.dumps(data, ensure_ascii=False)


def datapackage(base_url: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of the open data."""
    resources = []
    for name, fields in RESOURCES.items():
        schema = {"fields": [field.descriptor() for field in fields]}
        if name == "funded-projects":
            schema["primaryKey"] = ["id"]
        for fmt, mediatype in (("csv", "text/csv"), ("json", "application/json")):
            resources.append(
                {
                    "name": f"{name}-{fmt}",
                    "path": f"{name}.{fmt}",
                    "format": fmt,
                    "mediatype": mediatype,
                    "encoding": "utf-8",
                    "profile": "tabular-data-resource",
                    "licenses": [LICENCE],
                    "schema": schema,
                }
            )
    return {
        "profile": "tabular-data-package",
        "name": "midwest-digital-region",
        "title": "Midwest digital region: funded projects and rollout",
        "description": (
            "What the Midwest region published: the funded projects (granted"
            " subsidy dossiers) and how far each municipality is with each"
            " published theme. Amounts in euro (EUR)."
        ),
        "homepage": base_url,
        "licenses": [LICENCE],
        "resources": resources,
    }

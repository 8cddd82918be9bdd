"""Euro amounts typed by people: the one parser, used by every form.

Accepted: `12.500,00` (Dutch), `12,500.00` and `12500.00` (English), `€ 12 500`,
`12500`, `12,5`. A single separator followed by exactly three digits groups
thousands (`12.500` and `12,500` are both twelve thousand five hundred: as money,
three decimals make no sense in either language). Refused: negative amounts,
anything that is not digits with consistent separators (`abc`, `1,2,3`,
`1e9999`), more than two decimals, and amounts of 10^10 or more (they do not fit
the Numeric(12, 2) columns).
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")

_PLAIN = re.compile(r"(?P<int>\d+)(?:(?P<dec_sep>[.,])(?P<dec>\d{1,2}))?")
_GROUPED = re.compile(
    r"(?P<int>\d{1,3}(?P<sep>[ .,])\d{3}(?:(?P=sep)\d{3})*)"
    r"(?:(?P<dec_sep>[.,])(?P<dec>\d{1,2}))?"
)
_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)


class AmountError(ValueError):
    """Text that is not an acceptable euro amount; the message says why."""


def parse_amount(text: str | None) -> Decimal:
    """The euro amount in `text` as a Decimal with two decimals, or AmountError."""
    cleaned = (text or "").replace("\u00a0", " ").replace("\u202f", " ").strip()
    cleaned = _CURRENCY.sub("", cleaned).strip()
    if not cleaned:
        raise AmountError(_l("Enter an amount."))
    if cleaned.startswith("-"):
        raise AmountError(_l("An amount cannot be negative."))
    match = _PLAIN.fullmatch(cleaned)
    if match is None:
        match = _GROUPED.fullmatch(cleaned)
        if match is not None and match["dec_sep"] == match["sep"]:
            match = None
    if match is None:
        raise AmountError(_l("Not an amount: use for example 12.500,00 or 12500.00."))
    integer = re.sub(r"[ .,]", "", match["int"])
    value = Decimal(f"{integer}.{match['dec'] or '0'}").quantize(CENT)
    if value > MAX_AMOUNT:
        raise AmountError(_l("This amount is too large."))
    return value

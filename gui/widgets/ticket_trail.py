"""How the order ticket reads a trailing order: its trail in price, % or ticks, and a trailing stop-limit's limit
offset (typed in the Limit field), as the request's fields; and how it writes the trail on the send button."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.domain import FieldError, Instrument, OrderType
from core.domain.order_request import plain
from core.domain.trailing import TrailUnit, trail_from_ticks

TICKS = "TICKS"
"""The trail unit combo's third choice: a whole number of the instrument's ticks, sent as an amount of price."""
TRAIL_UNITS: list[tuple[str, object]] = [("price", TrailUnit.AMOUNT), ("%", TrailUnit.PERCENT), ("ticks", TICKS)]


def trail_request_fields(order_type: OrderType, unit: object, trail: str, limit: str,
                         instrument: Instrument | None) -> dict[str, str]:
    """Return the request's trail fields for what the ticket shows (none unless the type trails).

    Ticks become an amount (ticks x tick size: the broker is sent a price distance); a count that is not a whole
    positive number, or ticks without a known symbol, go as typed so that the trail's own check says what is wrong.
    A trailing stop-limit's limit offset is what the Limit field holds.
    """
    if not order_type.is_trailing:
        return {}
    fields = {"trail_percent" if unit == TrailUnit.PERCENT else "trail_amount": trail}
    if unit == TICKS:
        fields["trail_amount"] = _ticks_as_amount(trail, instrument)
    if order_type is OrderType.TRAIL_LIMIT:
        fields["trail_limit_offset"] = limit
    return fields


def ticks_error(order_type: OrderType, unit: object, trail: str) -> FieldError | None:
    """Return what is wrong with a trail typed in ticks (it must be a whole number of them), else None."""
    if not order_type.is_trailing or unit != TICKS or not trail.strip():
        return None
    try:
        ticks = Decimal(trail.strip())
    except InvalidOperation:
        ticks = Decimal(-1)
    if ticks.is_finite() and ticks > 0 and ticks == ticks.to_integral_value():
        return None
    return FieldError("trail", f"Give the trail in whole ticks (1, 2, 3 …), not {trail.strip()!r}; or choose price.")


def trail_words_typed(unit: object, trail: str, ticks_as: str = "") -> str:
    """Return the trail as the send button writes it: '0.50', '1.5%' or '5 ticks (0.05)'."""
    if not trail:
        return ""
    if unit == TrailUnit.PERCENT:
        return f"{trail}%"
    if unit == TICKS:
        return f"{trail} ticks" + (f" ({ticks_as})" if ticks_as and ticks_as != trail else "")
    return trail


def _ticks_as_amount(text: str, instrument: Instrument | None) -> str:
    try:
        ticks = Decimal(text.strip())
    except InvalidOperation:
        return text
    if instrument is None or not ticks.is_finite() or ticks <= 0 or ticks != ticks.to_integral_value():
        return text
    return plain(trail_from_ticks(ticks, instrument.tick_size))

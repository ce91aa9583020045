"""Pure text formatting for grid cells: Decimal in, str out, never a float."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

DASH = "—"

_QUANTUM = tuple(Decimal(1).scaleb(-places) for places in range(13))


def _quantum(places: int) -> Decimal:
    return _QUANTUM[places] if 0 <= places < len(_QUANTUM) else Decimal(1).scaleb(-max(0, places))


def _fixed(value: Decimal, places: int) -> Decimal:
    """Round value to places (half-even), turning a negative zero into zero."""
    rounded = value.quantize(_quantum(places))
    return rounded if rounded else abs(rounded)


def shown(value: Decimal | None, places: int = 2) -> Decimal | None:
    """Return value as a cell of places decimals shows it, so that its color follows what the trader reads."""
    return None if value is None else _fixed(value, places)


def fmt_price(value: Decimal | None, places: int = 2) -> str:
    """Format value with exactly places decimals and thousands separators; None is a dash."""
    if value is None:
        return DASH
    return format(_fixed(value, places), ",f")


def fmt_signed(value: Decimal | None, places: int = 2) -> str:
    """Format a P&L-like value with an explicit sign: '+1,234.50', '-12.00', '0.00'; None is a dash."""
    if value is None:
        return DASH
    rounded = _fixed(value, places)
    return format(rounded, "+,f") if rounded else format(rounded, ",f")


def fmt_percent(value: Decimal | None, places: int = 2) -> str:
    """Format a signed percentage: '+1.25%', '-0.40%'; None is a dash."""
    if value is None:
        return DASH
    return f"{fmt_signed(value, places)}%"


def fmt_qty(value: Decimal | None) -> str:
    """Format a quantity without trailing zeros, with thousands separators: '1,500', '0.25', '-100'."""
    if value is None:
        return DASH
    if not value:
        return "0"
    return format(value.normalize(), ",f")


def fmt_money(value: Decimal | None, min_places: int = 2) -> str:
    """Format an amount with at least min_places decimals, keeping any finer digits it has: '1.35', '0.0035'."""
    if value is None:
        return DASH
    return fmt_price(value, natural_places(value, min_places))


def natural_places(value: Decimal, min_places: int = 2) -> int:
    """Return the decimals value carries (trailing zeros ignored), at least min_places."""
    exponent = value.normalize().as_tuple().exponent
    return max(min_places, -exponent) if isinstance(exponent, int) else min_places


def fmt_time(ts: datetime | None) -> str:
    """Format a timestamp as local wall-clock time 'HH:MM:SS'."""
    if ts is None:
        return DASH
    if ts.tzinfo is None:
        return ts.astimezone().strftime("%H:%M:%S")
    second = int(ts.timestamp())
    text = _LOCAL_SECONDS.get(second)
    if text is None:  # a grid of a thousand orders a second shows each second's text for all of them
        if len(_LOCAL_SECONDS) >= _LOCAL_SECONDS_KEPT:
            _LOCAL_SECONDS.clear()
        text = _LOCAL_SECONDS[second] = ts.astimezone().strftime("%H:%M:%S")
    return text


_LOCAL_SECONDS: dict[int, str] = {}
_LOCAL_SECONDS_KEPT = 4096


def fmt_enum_label(value: str) -> str:
    """Turn an enum value such as 'PARTIALLY_FILLED' into 'Partially filled'."""
    return value.replace("_", " ").capitalize()

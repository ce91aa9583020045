"""Numbers a trader types or a strategy sends: one strict grammar, explicit bounds, an error naming the field.

Text (a ticket field, a dialog, a JSON string): optional spaces around it, a sign only where the field may be
signed, then ASCII digits with at most one decimal point: ``1500``, ``1.5``, ``0.25``, ``.5``. Refused, with a
message that says what to type: thousands separators and decimal commas (``1,5`` would be 15 to one reader
and 1.5 to another), spaces inside, underscores, exponents, digits of other scripts (``١٢٣``, ``１２３``),
NaN and Infinity.

Values (an int, or a Decimal such as a JSON number decoded with ``parse_float=Decimal``): finite and within
the same bounds. Floats and bools are refused: a float is not the number its writer meant, a bool no number.

Bounds, for text and values alike: at most ``MAX_INTEGER_DIGITS`` digits before the decimal point and
``MAX_FRACTION_DIGITS`` after it, not counting leading or trailing zeros. No quantity or price reaches
10^12, and none needs an 11th decimal; anything beyond is a typo or an attack. The checks read the number's
digits and exponent (never Decimal arithmetic), so no input can raise ``decimal.Overflow`` or underflow to 0.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 10
MAX_MAGNITUDE = Decimal(10) ** MAX_INTEGER_DIGITS
"""Every accepted number is smaller than this in magnitude."""
MAX_TEXT_LENGTH = 64
"""Longer text is refused before it is read (leading and trailing zeros do not get a number past the bounds)."""
HOW_TO_TYPE = "Use digits with one decimal point, e.g. 1500 or 1.5; no commas, spaces inside or exponents."

_ONE = Decimal(1)
_SMALLEST = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)
_SPACES = " \t\r\n"
_TEXT = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_BOUNDS = (f"at most {MAX_INTEGER_DIGITS} digits before the decimal point and {MAX_FRACTION_DIGITS} after it")


class NumberError(ValueError):
    """A number TradeTerm will not read; `field` names the field, `problem` says what was wrong and what to type.

    str(error) is "<field>: <problem>"; a form that shows the message next to its field shows `problem`.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def parse_number(raw: object, field: str, *, signed: bool = False) -> Decimal:
    """Return raw (text, int or Decimal) as a Decimal within the bounds; raise NumberError naming field otherwise.

    `signed` says whether the field may carry a sign ("-5", "+5", a negative value); "-0" is 0.
    """
    if isinstance(raw, str):
        return _from_text(raw, field, signed)
    if isinstance(raw, bool):
        raise NumberError(field, f"{str(raw).lower()} is not a number. {HOW_TO_TYPE}")
    if isinstance(raw, int):
        if raw.bit_length() > 64:  # far past the bounds (and str() of a huge int may itself refuse)
            raise NumberError(field, f"A number of about {round(raw.bit_length() * 0.30103)} digits is not a number a "
                                     f"trade can have: {_BOUNDS}.")
        return _from_value(Decimal(raw), str(raw), field, signed)
    if isinstance(raw, Decimal):
        return _from_value(raw, None, field, signed)
    if isinstance(raw, float):
        raise NumberError(field, f"{raw!r} is a binary float, not the decimal number it looks like: "
                                 "send the number as text, e.g. \"1.5\".")
    raise NumberError(field, f"{type(raw).__name__} is not a number. {HOW_TO_TYPE}")


def decimal_or_none(text: str, *, signed: bool = False) -> Decimal | None:
    """Return the number in text, or None where parse_number would refuse it (for hints such as arrow-key steps)."""
    try:
        return _from_text(text, "", signed)
    except NumberError:
        return None


def _from_text(raw: str, field: str, signed: bool) -> Decimal:
    text = raw.strip(_SPACES)
    if not text:
        raise NumberError(field, f"Enter a number. {HOW_TO_TYPE}")
    if len(text) > MAX_TEXT_LENGTH:
        raise NumberError(field, f"{_shown(text)} is too long for a number: {_BOUNDS}.")
    match = _TEXT.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        raise NumberError(field, _why_not(text))
    sign, whole, fraction = match[1], match[2], match[3] or ""
    if sign and not signed:
        raise NumberError(field, _sign_problem(text, sign, whole, fraction))
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise NumberError(field, f"{_shown(text)} is not a number a trade can have: {_BOUNDS}.")
    if len(fraction.rstrip("0")) > MAX_FRACTION_DIGITS:
        raise NumberError(field, f"{_shown(text)} has more than {MAX_FRACTION_DIGITS} digits after the decimal "
                                 f"point: {_BOUNDS}.")
    value = Decimal(text)  # safe: ASCII digits and one point, within the bounds
    return value.copy_abs() if value.is_zero() else value


def _from_value(value: Decimal, text: str | None, field: str, signed: bool) -> Decimal:
    if not value.is_finite():
        raise NumberError(field, f"{_shown(str(value))} is not a number. {HOW_TO_TYPE}")
    if value.is_zero():
        return Decimal(0)
    if value.is_signed() and not signed:
        raise NumberError(field, f"{_value_shown(value, text)} is negative: enter a number greater than zero, "
                                 "without a sign.")
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise NumberError(field, f"{_value_shown(value, text)} is not a number a trade can have: {_BOUNDS}.")
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent < -MAX_FRACTION_DIGITS and _fraction_digits(digits, exponent) > MAX_FRACTION_DIGITS:
        raise NumberError(field, f"{_value_shown(value, text)} has more than {MAX_FRACTION_DIGITS} digits after the "
                                 f"decimal point: {_BOUNDS}.")
    if exponent > 0:
        return value.quantize(_ONE)  # 1.5E+2 -> 150
    if exponent < -MAX_FRACTION_DIGITS:
        return value.quantize(_SMALLEST)  # 1.5 followed by a thousand zeros -> 1.5000000000
    return value  # every order's price and quantity come this way: no string is made for a number that passes


def _value_shown(value: Decimal, text: str | None) -> str:
    return _shown(text if text is not None else str(value))


def _places(value: Decimal) -> int:
    """Return the digits after the point that matter (1.50 has 1), read from the digits and exponent."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return _fraction_digits(digits, exponent)


def _fraction_digits(digits: tuple[int, ...], exponent: int) -> int:
    """Return the digits after the point that matter, from a Decimal's digits and exponent."""
    if exponent >= 0:
        return 0
    trailing_zeros = 0
    for digit in reversed(digits):
        if digit:
            break
        trailing_zeros += 1
    return max(0, -exponent - trailing_zeros)


def _sign_problem(text: str, sign: str, whole: str, fraction: str) -> str:
    unsigned = whole + (f".{fraction}" if fraction else "")
    if sign == "-" and not Decimal(unsigned).is_zero():
        return f"{_shown(text)} is negative: enter a number greater than zero, without a sign."
    return f"{_shown(text)} has a sign this field does not take: type {unsigned}."


def _why_not(text: str) -> str:
    """Say why text is not a plain number, with what to type instead where that is clear."""
    shown = _shown(text)
    if not text.isascii():
        ascii_text = "".join(_ascii_digit(ch) for ch in text)
        readable = ascii_text.isascii() and decimal_or_none(ascii_text, signed=True) is not None
        suggestion = f" (type {ascii_text})" if readable else ""
        if any(unicodedata.decimal(ch, None) is not None and not ch.isascii() for ch in text):
            return f"{shown} has digits other than 0-9{suggestion}. {HOW_TO_TYPE}"
        return f"{shown} has characters other than 0-9 and one decimal point{suggestion}. {HOW_TO_TYPE}"
    if "," in text:
        return (f"{shown} has a comma: TradeTerm takes no thousands separators or decimal commas. "
                f"{HOW_TO_TYPE}")
    if "_" in text:
        return f"{shown} has an underscore. {HOW_TO_TYPE}"
    if any(ch.isspace() for ch in text):
        return f"{shown} has a space inside. {HOW_TO_TYPE}"
    exponent = _exponent_hint(text)
    if exponent is not None:
        return exponent
    if text.count(".") > 1:
        return f"{shown} has more than one decimal point. {HOW_TO_TYPE}"
    return f"{shown} is not a number. {HOW_TO_TYPE}"


def _exponent_hint(text: str) -> str | None:
    if "e" not in text.lower() or not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal can hold at all
        value = Decimal("Infinity")
    within = value.is_finite() and (
        value.is_zero() or (value.adjusted() < MAX_INTEGER_DIGITS and _places(value) <= MAX_FRACTION_DIGITS))
    if within:
        return f"{_shown(text)} uses exponent notation: type {_plain(value)} instead."
    return f"{_shown(text)} uses exponent notation and is not a number a trade can have: {_BOUNDS}. {HOW_TO_TYPE}"


def _plain(value: Decimal) -> str:
    """Return a bounded value without exponent or trailing zeros."""
    if value.is_zero():
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _ascii_digit(ch: str) -> str:
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", ch)  # full-width '．' and '－' fold to '.' and '-'
    return folded if folded in (".", "+", "-") else ch


def _shown(text: str) -> str:
    """Return text quoted for a message, cut short when long (a message must stay readable)."""
    return repr(text if len(text) <= 24 else f"{text[:20]}…")



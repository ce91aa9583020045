"""Generated numbers through parse_number, validate_request (as the ticket calls it) and the API body parser.

Thousands of inputs per run: 0 crashes, and 0 accepted that a careful reader would refuse. The careful
reader is bench/fuzz_numbers.py's strict grammar, written without core's code; bench.fuzz_numbers runs the
same checks over 100,000+ inputs.
"""

from __future__ import annotations

import json
import string
from decimal import Decimal, InvalidOperation

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_numbers import BODY, SPECIALS, Tally, check_payload, check_text, json_number_value, reader_value
from core.domain import NumberError, parse_number

FUZZ = settings(max_examples=2_000, database=None, deadline=None,  # a shared CPU's pauses are not failures
                suppress_health_check=[HealthCheck.too_slow])
NUMBERISH = string.digits + ".,-+eE _\t\n'" + "\u00a0\u066b\u066c\uff0e\u2212\u0661\u0662\u06f1\u0967\uff11\uff10𝟏"


def _plain(signed: bool) -> st.SearchStrategy[str]:
    sign = st.sampled_from(["", "+", "-"]) if signed else st.just("")
    return st.builds(lambda s, w, f, pad: f"{pad}{s}{w}{f}{pad}", sign, st.text(string.digits, max_size=14),
                     st.one_of(st.just(""), st.text(string.digits, max_size=12).map(lambda f: "." + f)),
                     st.sampled_from(["", " ", "\t"]))


def _grouped(n: int, sep: str) -> str:
    text = f"{n:,}"
    return text.replace(",", sep)


texts = st.one_of(
    st.sampled_from(SPECIALS),
    _plain(signed=True),
    st.text(NUMBERISH, max_size=16),
    st.text(max_size=12),  # anything at all, any script
    st.builds(_grouped, st.integers(1000, 10**13), st.sampled_from([",", ".", " ", "_", "'", "\u00a0"])),
    st.builds(lambda m, e: f"{m}e{e}", st.sampled_from(["1", "-1", "9.99", ".5", "0", "1."]),
              st.integers(-10**20, 10**20)),
    st.builds(lambda t, z: "".join(chr(z + int(c)) if c.isdigit() else c for c in t), _plain(signed=False),
              st.sampled_from([0x0660, 0x06F0, 0x0966, 0xFF10, 0x0E50, 0x1D7CE])),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)


@FUZZ
@given(text=texts)
def test_no_text_crashes_and_none_a_careful_reader_would_refuse_is_accepted(text: str) -> None:
    tally = Tally()
    check_text(text, tally)
    assert (tally.crashes, tally.accepted_suspicious, tally.refused_plain) == (0, 0, 0), tally.examples


@FUZZ
@given(text=_plain(signed=True))
def test_every_plain_number_within_the_bounds_reads_as_its_digits(text: str) -> None:
    for signed in (False, True):
        expected = reader_value(text, signed=signed)
        try:
            value = parse_number(text, "limit_price", signed=signed)
        except NumberError as exc:
            assert expected is None, (text, exc)
            assert exc.field == "limit_price"
        else:
            assert expected is not None and value == expected == Decimal(text.strip(" \t"))


json_literals = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.one_of(st.just("0"), st.integers(1, 10**14).map(str)),
    st.one_of(st.just(""), st.text(string.digits, min_size=1, max_size=13).map(lambda f: "." + f)),
    st.one_of(st.just(""), st.builds(lambda e, s, p: f"{e}{s}{p}", st.sampled_from("eE"),
                                     st.sampled_from(["", "+", "-"]),
                                     st.one_of(st.integers(0, 30), st.integers(0, 10**20)))),
)
number_fields = st.sampled_from(["quantity", "limit_price", "stop_loss", "take_profit", "signal_price"])


@FUZZ
@given(values=st.dictionaries(number_fields, st.one_of(json_literals.map(lambda v: ("literal", v)),
                                                       texts.map(lambda v: ("text", v)),
                                                       st.sampled_from([True, False, None, [], {}]).map(
                                                           lambda v: ("json", v))),
                              min_size=1, max_size=3),
       flip=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(0, 255))))
def test_no_json_body_crashes_the_api_parser_and_each_number_it_accepts_is_exact(
    values: dict[str, tuple[str, object]], flip: tuple[int, int] | None
) -> None:
    body = dict(BODY)
    for name, (kind, value) in values.items():
        body[name] = f"@{name}@" if kind == "literal" else value
    raw = json.dumps(body)
    for name, (kind, value) in values.items():
        if kind == "literal":
            raw = raw.replace(f'"@{name}@"', str(value))
    data = bytearray(raw.encode())
    if flip is not None:
        data[flip[0] % len(data)] = flip[1]
    tally = Tally()
    check_payload(bytes(data), tally)
    assert (tally.crashes, tally.accepted_suspicious) == (0, 0), tally.examples


@given(literal=json_literals)
@settings(max_examples=500, database=None, deadline=None)
def test_the_checkers_json_reading_agrees_with_decimal(literal: str) -> None:
    expected = json_number_value(literal)
    try:
        exact = Decimal(literal)
    except InvalidOperation:  # 0e1000000000000000000: zero, with an exponent Decimal cannot hold
        assert expected in (None, 0)
    else:
        assert expected is None or expected == exact

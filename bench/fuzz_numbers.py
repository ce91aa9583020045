"""Fuzz number parsing: generated inputs through the order ticket's parsing and the strategy API's payload parser.

`python -m bench.fuzz_numbers` generates --inputs texts and JSON bodies (default 120,000; seeded): random
text over a number-like alphabet, valid numbers mutated (a digit, comma, space, underscore, sign, point or
exponent inserted, replaced or dropped; thousands grouping), valid numbers written in other scripts' digits,
huge and tiny exponents, and JSON order bodies carrying any of these as strings or as raw JSON numbers, some
with bytes flipped. Each text goes through parse_number (signed and not), validate_request as the ticket
calls it (as the quantity, and as the limit price) and POST /v1/orders' body parser (as quantity and limit
price strings); each JSON body through parse_json_object + parse_order. --widget-inputs of the texts are also
typed into a live, offscreen OrderTicketWidget (the send path and the live check), counting any exception
out of a Qt slot.

Figures: crashes (an exception other than the refusal each path promises), accepted_suspicious (accepted
although a careful reader would refuse it: text outside the strict grammar, written here again without
core's code, or a value other than the text's), refused_plain (a plain number within the bounds that
parse_number refused). All three must be 0. One JSON line; exit status 1 if any is not 0.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.common import emit, machine

# --- the careful reader: the strict grammar, written without core's code -------------------------------

MAX_INT, MAX_FRAC = 12, 10
_STRICT = re.compile(r"[ \t\r\n]*([+-]?)([0-9]*)(?:\.([0-9]*))?[ \t\r\n]*", re.ASCII)
_JSON_NUMBER = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)


def reader_value(text: str, *, signed: bool) -> Decimal | None:
    """Return what a careful reader takes text to mean, or None if they would refuse it."""
    match = _STRICT.fullmatch(text)
    if match is None or len(text.strip(" \t\r\n")) > 64:
        return None
    sign, whole, fraction = match[1], match[2], match[3] or ""
    if not (whole or fraction) or (sign and not signed):
        return None
    if len(whole.lstrip("0")) > MAX_INT or len(fraction.rstrip("0")) > MAX_FRAC:
        return None
    return Decimal(f"{sign}{whole or '0'}.{fraction or '0'}")


def json_number_value(literal: str) -> Decimal | None:
    """Return the exact value of a JSON number literal if it is within the bounds, else None (integer arithmetic)."""
    match = _JSON_NUMBER.fullmatch(literal)
    if match is None:
        return None
    sign, whole, fraction, exponent = match[1], match[2], match[3] or "", int(match[4] or 0)
    digits = (whole + fraction).lstrip("0")
    exponent -= len(fraction)
    if not digits:
        return Decimal(0)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    if len(stripped) + exponent > MAX_INT or -exponent > MAX_FRAC:
        return None
    if exponent >= 0:
        return Decimal(f"{sign}{stripped}{'0' * exponent}")
    padded = stripped.rjust(-exponent + 1, "0")
    return Decimal(f"{sign}{padded[:exponent]}.{padded[exponent:]}")


class JsonLiteral(str):
    """A JSON number's literal text, kept by the checker's own decoding of a body."""


# --- the checks ---------------------------------------------------------------------------------------

NUMBER_FIELDS = ("quantity", "limit_price", "stop_price", "stop_loss", "take_profit", "signal_price")
ALLOW_ZERO = frozenset({"stop_loss", "take_profit"})


@dataclass
class Tally:
    """What the inputs did: each problem is kept (a few as examples)."""

    inputs: int = 0
    checks: int = 0
    accepted: int = 0
    refused: int = 0
    crashes: int = 0
    accepted_suspicious: int = 0
    refused_plain: int = 0
    examples: list[str] = field(default_factory=list)

    def problem(self, kind: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 20:
            self.examples.append(f"{kind}: {detail}")

    def outcome(self, accepted: bool) -> None:
        self.checks += 1
        if accepted:
            self.accepted += 1
        else:
            self.refused += 1


@functools.cache
def aapl() -> Any:
    """Return the instrument the ticket checks against: AAPL, tick 0.01, lot 1."""
    from core.domain import Instrument

    return Instrument(symbol="AAPL", venue="SMART", currency="USD", tick_size=Decimal("0.01"))


def _ticket_request(quantity: str, limit: str) -> Any:
    """Return the OrderRequest the order ticket builds from what is typed (OrderTicketWidget._validate)."""
    from core.domain import AccountId, OrderOrigin, OrderRequest, OrderType, Side, TimeInForce

    return OrderRequest(AccountId("PAPER-1"), "AAPL", Side.BUY, quantity, OrderType.LIMIT, limit_price=limit,
                        stop_price=None, tif=TimeInForce.DAY, origin=OrderOrigin.MANUAL)


def check_text(text: str, tally: Tally) -> None:
    """Feed one typed text to parse_number, the ticket's validate_request and the API body parser."""
    from core.domain import NumberError, parse_number, validate_request

    instrument = aapl()
    for signed in (False, True):
        expected = reader_value(text, signed=signed)
        try:
            value = parse_number(text, "quantity", signed=signed)
        except NumberError:
            tally.outcome(False)
            if expected is not None:
                tally.problem("refused_plain", f"parse_number({text!r}, signed={signed})")
        except Exception as exc:  # any other exception is a crash
            tally.outcome(False)
            tally.problem("crashes", f"parse_number({text!r}): {exc!r}")
        else:
            tally.outcome(True)
            if expected is None or value != expected or value.as_tuple().exponent > 0:  # type: ignore[operator]
                tally.problem("accepted_suspicious", f"parse_number({text!r}, signed={signed}) = {value!r}")
    for quantity, limit in ((text, "189.50"), ("100", text)):
        try:
            valid, _errors = validate_request(_ticket_request(quantity, limit), instrument)
        except Exception as exc:
            tally.outcome(False)
            tally.problem("crashes", f"validate_request(quantity={quantity!r}, limit={limit!r}): {exc!r}")
            continue
        tally.outcome(valid is not None)
        if valid is None:
            continue
        qty, price = reader_value(quantity, signed=False), reader_value(limit, signed=False)
        if (qty is None or price is None or valid.quantity != qty or valid.limit_price != price or qty <= 0
                or price <= 0 or qty % 1 != 0 or (price * 100) % 1 != 0):
            tally.problem("accepted_suspicious", f"validate_request(quantity={quantity!r}, limit={limit!r})")
    for name in ("quantity", "limit_price"):
        check_payload(json.dumps({**BODY, name: text}).encode(), tally)


def check_payload(raw: bytes, tally: Tally) -> None:
    """Feed one body to the API's parser; an accepted body's every number must be what its JSON says."""
    from core.services.strategy_api.errors import ApiError
    from core.services.strategy_api.payload import parse_json_object, parse_order

    try:
        body = parse_order(parse_json_object(raw), for_queue=True)
    except ApiError as exc:
        tally.outcome(False)
        if exc.status >= 500:
            tally.problem("crashes", f"{raw[:120]!r}: {exc.status}")
        return
    except Exception as exc:
        tally.outcome(False)
        tally.problem("crashes", f"{raw[:120]!r}: {exc!r}")
        return
    tally.outcome(True)
    document = json.loads(raw.decode("utf-8"), parse_float=JsonLiteral, parse_int=JsonLiteral)
    for name in NUMBER_FIELDS:
        sent, got = document.get(name), getattr(body, name)
        if sent is None:
            if got is not None:
                tally.problem("accepted_suspicious", f"{name} absent but read as {got!r}: {raw[:120]!r}")
            continue
        expected = json_number_value(sent) if isinstance(sent, JsonLiteral) else (
            reader_value(sent, signed=False) if isinstance(sent, str) else None)
        if expected is None or got != expected or (expected == 0 and name not in ALLOW_ZERO):
            tally.problem("accepted_suspicious", f"{name}={sent!r} read as {got!r}: {raw[:120]!r}")


BODY: dict[str, Any] = {
    "strategy": "fuzz", "account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "100",
    "order_type": "LMT", "limit_price": "189.50", "tif": "DAY", "signal_time": "2026-03-02T15:00:00+00:00",
    "idempotency_key": "fuzz-key",
}

# --- the inputs ---------------------------------------------------------------------------------------

SCRIPTS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE, 0x0AE6, 0x1040)
"""Zero of: Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai, full-width, math bold, Gujarati,
Myanmar digits (each script's 0-9 are consecutive code points)."""
NOISE = "0123456789..,,--++eE _\t'\u00a0\u066b\u066c\uff0e\u2212\u2009xnaifIN\u0661\uff11"
SPECIALS = ("", " ", ".", "-", "+", "NaN", "nan", "-NaN", "sNaN", "Infinity", "inf", "-Infinity", "1e1000000",
            "1E-999999999", "1e99999999999999999999", "-0", "+0", "0.00000000001", "1e3", "1_000", "1,5", "61,0000",
            "١٢٣", "１２３", " 12 ", "0x10", "1.2.3", "٫5", "1\u00a0000", "−5")


def plain_number(rng: random.Random) -> str:
    """Return a plain number near the bounds: sometimes a digit too many before or after the point."""
    whole = "".join(rng.choice("0123456789") for _ in range(rng.choice((0, 1, 1, 2, 3, 6, 11, 12, 12, 13, 14))))
    fraction = "".join(rng.choice("0123456789") for _ in range(rng.choice((0, 0, 1, 2, 4, 9, 10, 10, 11, 12))))
    text = whole + ("." + fraction if fraction or rng.random() < 0.1 else "")
    if rng.random() < 0.2:
        text = rng.choice("+-") + text
    if rng.random() < 0.1:
        text = rng.choice((" ", "\t", "  ")) + text + rng.choice(("", " ", "\n"))
    return text or "0"


def mutated(rng: random.Random) -> str:
    text = list(plain_number(rng))
    for _ in range(rng.randint(1, 3)):
        where = rng.randint(0, len(text))
        how = rng.random()
        if how < 0.4 or not text:
            text.insert(where, rng.choice(NOISE))
        elif how < 0.7:
            text[min(where, len(text) - 1)] = rng.choice(NOISE)
        else:
            del text[min(where, len(text) - 1)]
    return "".join(text)


def grouped(rng: random.Random) -> str:
    whole = str(rng.randint(1000, 10**12))
    groups = [whole[max(0, i - 3):i] for i in range(len(whole), 0, -3)][::-1]
    text = rng.choice((",", ".", " ", "_", "'", "\u00a0")).join(groups)
    return text + (rng.choice((".", ",")) + str(rng.randint(0, 99)) if rng.random() < 0.5 else "")


def other_script(rng: random.Random) -> str:
    zero = rng.choice(SCRIPTS)
    text = plain_number(rng)
    return "".join(chr(zero + int(ch)) if ch.isdigit() and rng.random() < 0.9 else ch for ch in text)


def exponent_text(rng: random.Random) -> str:
    mantissa = rng.choice(("1", "9.99", "0.5", "123", "-1", "0", "1.", ".5"))
    power = rng.choice((0, 1, 2, 3, 6, 11, 12, 13, 100, 999, 999999, 1000000, 999999999, 10**18, 10**20))
    return f"{mantissa}{rng.choice('eE')}{rng.choice(('', '+', '-'))}{power}"


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(NOISE) for _ in range(rng.randint(0, 12)))


def json_literal(rng: random.Random) -> str:
    """Return a JSON number literal: in bounds, at the bounds or far outside, with and without exponents."""
    sign = "-" if rng.random() < 0.1 else ""
    whole = rng.choice(("0", str(rng.randint(1, 9)), str(rng.randint(1, 10**6)), str(rng.randint(10**11, 10**13))))
    fraction = "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12))) if rng.random() < 0.5 else ""
    power = ""
    if rng.random() < 0.4:
        power = f"{rng.choice('eE')}{rng.choice(('', '+', '-'))}{rng.choice((0, 1, 5, 11, 12, 13, 400, 10**6, 10**20))}"
    return sign + whole + fraction + power


def json_body(rng: random.Random, text_maker: Callable[[random.Random], str]) -> bytes:
    body: dict[str, Any] = dict(BODY)
    literals: dict[str, str] = {}
    for name in rng.sample(NUMBER_FIELDS[:2] + NUMBER_FIELDS[3:], rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.45:
            literals[name] = json_literal(rng)
            body[name] = f"@{name}@"
        elif roll < 0.85:
            body[name] = text_maker(rng)
        else:
            body[name] = rng.choice((True, False, None, [], {}, [1], "NaN"))
    raw = json.dumps(body, ensure_ascii=rng.random() < 0.5)
    for name, literal in literals.items():
        raw = raw.replace(f'"@{name}@"', literal)
    if rng.random() < 0.05:
        raw = raw.replace(f'"{BODY["quantity"]}"', rng.choice(("NaN", "Infinity", "-Infinity", "1e1000000")))
    data = bytearray(raw.encode())
    if rng.random() < 0.05:
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


TEXT_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "plain": plain_number, "mutated": mutated, "grouped": grouped, "other_script": other_script,
    "exponent": exponent_text, "random": random_text,
}


def run(inputs: int, seed: int, widget_inputs: int = 0) -> dict[str, object]:
    """Generate and check `inputs` inputs; return the figures."""
    rng = random.Random(seed)
    tally = Tally()
    by_kind: dict[str, int] = {}
    widget_texts: list[str] = []
    start = time.perf_counter()
    makers = list(TEXT_MAKERS.items())
    for index in range(inputs):
        roll = rng.random()
        if index < len(SPECIALS):
            kind, text = "special", SPECIALS[index]
        elif roll < 0.3:
            kind = "json"
            by_kind[kind] = by_kind.get(kind, 0) + 1
            tally.inputs += 1
            check_payload(json_body(rng, rng.choice(makers)[1]), tally)
            continue
        else:
            kind, maker = rng.choice(makers)
            text = maker(rng)
        by_kind[kind] = by_kind.get(kind, 0) + 1
        tally.inputs += 1
        check_text(text, tally)
        if len(widget_texts) < widget_inputs:
            widget_texts.append(text)
    seconds = time.perf_counter() - start
    widget = ticket_widget(widget_texts, tally) if widget_texts else {}
    return {
        "bench": "fuzz_numbers", "inputs": tally.inputs, "crashes": tally.crashes,
        "accepted_suspicious": tally.accepted_suspicious, "refused_plain": tally.refused_plain,
        "checks": tally.checks, "accepted": tally.accepted, "refused": tally.refused, **widget,
        "by_kind": by_kind, "seed": seed, "seconds": round(seconds, 2),
        "inputs_per_s": round(tally.inputs / seconds) if seconds else 0, **machine(),
        "examples": tally.examples,
    }


def ticket_widget(texts: list[str], tally: Tally) -> dict[str, object]:
    """Type each text into a live OrderTicketWidget's quantity and limit fields and press Enter."""
    from PySide6.QtCore import Qt, qInstallMessageHandler
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit

    from gui.widgets.order_ticket import OrderTicketWidget

    app = QApplication.instance() or QApplication([])
    raised: list[str] = []
    previous = sys.excepthook
    sys.excepthook = lambda kind, value, trace: raised.append(f"{kind.__name__}: {value}")  # a slot's exception
    quiet = qInstallMessageHandler(lambda *_: None)  # the offscreen platform's warnings are not the ticket's
    sent: list[object] = []
    ticket = OrderTicketWidget()
    ticket.set_instruments({"AAPL": aapl()})
    ticket.set_accounts(["PAPER-1"])
    ticket.set_confirm_required(False)
    ticket.submit_requested.connect(sent.append)
    ticket.show()
    edits = {name: ticket.findChild(QLineEdit, f"orderTicket.{name}") for name in ("symbolEdit", "quantityEdit",
                                                                                    "limitPriceEdit")}
    edits["symbolEdit"].setText("AAPL")
    try:
        for text in texts:
            for target, other, fixed in (("quantityEdit", "limitPriceEdit", "189.50"),
                                         ("limitPriceEdit", "quantityEdit", "100")):
                edits[other].setText(fixed)
                edits[target].setText(text)
                before = len(sent)
                try:
                    QTest.keyClick(edits[target], Qt.Key.Key_Return)
                    ticket._on_live_timer()  # the check shown while typing (its 250 ms timer, without the wait)
                    QTest.keyClick(edits[target], Qt.Key.Key_Up)  # the arrow-key step
                    app.processEvents()
                except Exception as exc:  # PySide6 re-raises a handler's exception in the sender's frame
                    raised.append(f"{text!r} in {target}: {exc!r}")
                if len(sent) > before:
                    request = sent[-1]
                    qty = reader_value(text if target == "quantityEdit" else "100", signed=False)
                    price = reader_value(text if target == "limitPriceEdit" else "189.50", signed=False)
                    if qty is None or price is None or request.quantity != qty or request.limit_price != price:
                        tally.problem("accepted_suspicious", f"ticket sent {text!r} in {target}")
                    ticket.clear()
                    edits["symbolEdit"].setText("AAPL")
    finally:
        sys.excepthook = previous
        qInstallMessageHandler(quiet)
        ticket.close()
        ticket.deleteLater()
    for message in raised:
        tally.problem("crashes", f"ticket slot raised {message}")
    return {"widget_inputs": len(texts), "widget_sent": len(sent), "widget_exceptions": len(raised)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_numbers", description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=120_000, help="generated inputs (default 120,000)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock, printed)")
    parser.add_argument("--widget-inputs", type=int, default=2_000,
                        help="of those texts, how many are also typed into a live ticket (default 2,000)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    record = run(args.inputs, seed, args.widget_inputs)
    examples = record.pop("examples")
    emit(record)
    for example in examples:  # type: ignore[attr-defined]
        print(example, file=sys.stderr)
    return 1 if record["crashes"] or record["accepted_suspicious"] or record["refused_plain"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Lay out an API message's fields as ib_async's Client.send does, without its per-message set-up.

ib_async's Client.send builds a dict of eight converters (each a new lambda) for every message, then writes each
field and a NUL into a StringIO: a placeOrder's hundred-odd fields cost 24 µs of CPU warm, several times that
after idleness (a click's), every order paying it before its bytes reach the socket. `encode_fields` gives the
same text (tests/adapters/test_ib_wire_fields.py compares them message by message) by branching on the field's
type in the order the fields come most (text first), and joining once: a third of the CPU.
"""

from __future__ import annotations

import math
import types
from typing import Any

from ib_async import Contract
from ib_async.client import Client
from ib_async.util import UNSET_DOUBLE, UNSET_INTEGER


def _contract(c: Contract) -> str:
    return "\0".join([str(f) for f in (c.conId, c.symbol, c.secType, c.lastTradeDateOrContractMonth, c.strike,
                                       c.right, c.multiplier, c.exchange, c.primaryExchange, c.currency,
                                       c.localSymbol, c.tradingClass)])


def encode_fields(fields: tuple[Any, ...], make_empty: bool = True) -> str:
    """Return the message text Client.send would hand to Client.sendMsg for these fields (each ended by NUL):
    ib_async's FORMAT_HANDLERS by the field's type, str() for any other."""
    out: list[str] = []
    add = out.append
    for field in fields:
        kind = type(field)
        if kind is str:
            add(field)
        elif kind is int:
            add("" if make_empty and field == UNSET_INTEGER else str(field))
        elif kind is float:
            add("" if make_empty and field == UNSET_DOUBLE else ("Infinite" if field == math.inf else str(field)))
        elif field is None:
            add("")
        elif kind is bool:
            add("1" if field else "0")
        elif isinstance(field, Contract):
            add(_contract(field))
        elif kind is list:
            add("".join([f"{v.tag}={v.value};" for v in field]))
        else:
            add(str(field))
    add("")  # the last field's NUL
    return "\0".join(out)


def _send(client: Client, *fields: Any, makeEmpty: bool = True) -> None:  # ib_async calls it with makeEmpty=
    if not client.isConnected():  # type: ignore[no-untyped-call]
        raise ConnectionError("Not connected")
    client.sendMsg(encode_fields(fields, makeEmpty))


def use_quick_send(client: Client) -> None:
    """Have client lay out every message with encode_fields (same bytes, same errors, same throttle: sendMsg)."""
    client.send = types.MethodType(_send, client)  # type: ignore[method-assign]

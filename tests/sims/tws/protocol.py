"""TWS socket framing: the raw "API\\0" greeting, then 4-byte big-endian lengths around NUL-terminated fields."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterable
from decimal import Decimal

API_SIGN = b"API\0"
MAX_MESSAGE = 16 * 1024 * 1024
UNSET_DOUBLE = "1.7976931348623157E308"
UNSET_INTEGER = "2147483647"

Field = str | int | Decimal | bool | None


class ProtocolError(Exception):
    """The peer broke the framing rules (bad greeting, oversized or truncated message)."""


def to_field(value: Field) -> str:
    """Return value as the text TWS puts on the wire: bools as 1/0, None as empty, Decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def encode(fields: Iterable[Field]) -> bytes:
    """Frame one message: length prefix, then each field NUL-terminated."""
    payload = b"".join(to_field(f).encode() + b"\0" for f in fields)
    return struct.pack(">I", len(payload)) + payload


def decode(payload: bytes) -> list[str]:
    """Split one message body into its fields (the trailing NUL yields no extra field)."""
    fields = payload.decode(errors="backslashreplace").split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    return fields


async def read_greeting(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read b"API\\0" and the framed "vMIN..MAX[ options]"; return the client's (min, max) version."""
    sign = await reader.readexactly(len(API_SIGN))
    if sign != API_SIGN:
        raise ProtocolError(f"expected the API greeting, got {sign!r}")
    fields = await read_message(reader)
    text = fields[0] if fields else ""
    versions = text.split(" ")[0]
    if not versions.startswith("v") or ".." not in versions:
        raise ProtocolError(f"expected a version range like v157..178, got {text!r}")
    low, _, high = versions[1:].partition("..")
    return int(low), int(high)


async def read_message(reader: asyncio.StreamReader) -> list[str]:
    """Read one framed message and return its fields; raise IncompleteReadError at EOF."""
    header = await reader.readexactly(4)
    (size,) = struct.unpack(">I", header)
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes is larger than {MAX_MESSAGE}")
    return decode(await reader.readexactly(size))

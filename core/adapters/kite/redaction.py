"""A logging filter that blanks Kite API keys, access/request tokens, checksums and Authorization headers."""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    re.compile(r"(token\s+)[^\s:'\"]+:[^\s'\",}]+", re.IGNORECASE),
    re.compile(r"((?:api_key|access_token|request_token|checksum|api_secret|enctoken|public_token)"
               r"['\"]?\s*[=:]\s*['\"]?)[^&\s'\",}]+", re.IGNORECASE),
)
LOGGERS = ("kiteconnect", "kiteconnect.connect", "kiteconnect.ticker", "urllib3.connectionpool", "autobahn",
           "twisted")
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """Return text with every key, token and checksum replaced by <redacted>."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record's message so no Kite secret reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecretsFilter()


def install_redaction() -> None:
    """Attach the filter to kiteconnect's, urllib3's and the websocket libraries' loggers and the root handlers."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)

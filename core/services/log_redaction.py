"""Log redaction: a filter on every logging handler that masks each known secret, and any credential in a header.

The secrets TradeTerm knows are registered as they are read or stored (`SecretStore` registers every value
it returns or keeps: API tokens, broker API secrets and access tokens, SMTP passwords; the composition root
registers a token given through the environment). The filter sits on the HANDLERS (`install`), not on
loggers, so it also sees what libraries log through propagation (aiohttp's parser errors, its access log):
it rewrites the record's message (args merged in), its traceback and its stack text with every known
secret, in its plain, escaped, JSON and URL-encoded spellings, replaced by MASK, and with the value of
any Authorization header or Bearer credential masked too, known or not.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterable

MASK = "<redacted>"
MIN_SECRET_LENGTH = 4
"""Shorter values are not masked: masking every "a" of every line would hide the log, not the secret."""

_CREDENTIALS = (
    re.compile(r"""(authorization['"]?(?:\s*[:=]\s*['"]?\s*(?:(?:bearer|basic|token|digest|negotiate)\s+)?"""
               r"""|\s+(?:bearer|basic|token|digest|negotiate)\s+))[^\s'",}\\]+""", re.IGNORECASE),
    re.compile(r"""(\bbearer\s+)[^\s'",}\\]+""", re.IGNORECASE),
    re.compile(r"""(\btoken\s+)[^\s:'"\\]+:[^\s'",}\\]+""", re.IGNORECASE),
)
"""Authorization header values (well-formed or not), Bearer credentials, and 'token key:secret' (Kite)."""
_CREDENTIAL_WORDS = re.compile(r"authorization|bearer|token", re.IGNORECASE)
"""Every _CREDENTIALS match holds one of these words (matched the same way): a line with none skips all three.
An ASCII line is tested by `in` on its lowered copy instead (_may_hold_credential), a tenth of this search's cost:
for ASCII text, case-insensitive matching is lowering (the folds where re's IGNORECASE differs, such as the Kelvin
sign for k, are not ASCII)."""


def _spellings(secret: str) -> set[str]:
    """Return the ways a secret may appear in a log line: as is, escaped as in a repr, in JSON, URL-encoded."""
    forms = {
        secret,
        secret.encode("unicode_escape").decode("ascii"),
        repr(secret.encode("utf-8"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class SecretRedactor:
    """The known secrets and the masking of text; thread-safe (adapters log from their own threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        """Mask this value in every log line from now on (None, empty and very short values are ignored)."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            forms = _spellings(secret) - self._known
            if not forms:
                return
            self._known |= forms
            longest_first = sorted(self._known, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(form) for form in longest_first))

    def add_all(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            self.add(secret)

    def redact(self, text: str) -> str:
        """Return text with every known secret and every credential in a header masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if not _may_hold_credential(text):
            return text
        for credential in _CREDENTIALS:
            text = credential.sub(lambda match: match.group(1) + MASK, text)
        return text


def _may_hold_credential(text: str) -> bool:
    if text.isascii():
        lowered = text.lower()
        return "token" in lowered or "bearer" in lowered or "authorization" in lowered
    return _CREDENTIAL_WORDS.search(text) is not None


SECRETS = SecretRedactor()
"""The process's known secrets: what every installed filter masks."""


class RedactingFilter(logging.Filter):
    """Rewrite a record so that no known secret, and no credential in a header, reaches the handler's output."""

    def __init__(self, redactor: SecretRedactor = SECRETS) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: logging would report it; show what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redactor.redact(message), None
        if record.exc_info is not None and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None  # from here on only the masked text of the traceback exists
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


def install(handlers: Iterable[logging.Handler], redactor: SecretRedactor = SECRETS) -> None:
    """Put the redacting filter on each handler (once)."""
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) and f.redactor is redactor for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))

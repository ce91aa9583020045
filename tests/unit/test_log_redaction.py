"""The redacting filter: every secret the keyring hands out, in every spelling, and any header credential."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse

from core.services.log_redaction import MASK, SECRETS, SecretRedactor, install
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore

PASSWORD = 'smtp p@ss/wörd "7"'


def handler_output(redactor: SecretRedactor, emit: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    install([handler], redactor)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        assert callable(emit)
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_secret_read_from_the_keyring_is_masked_in_every_spelling() -> None:
    store = SecretStore("tradeterm-test", backend=MemoryKeyring())
    store.backend.set_password("tradeterm-test", "mail/smtp/password", PASSWORD)  # stored by an earlier run
    assert store.get("mail/smtp/password") == PASSWORD
    spellings = [PASSWORD, repr(PASSWORD), repr(PASSWORD.encode()), urllib.parse.quote(PASSWORD, safe=""),
                 urllib.parse.quote_plus(PASSWORD), json.dumps({"password": PASSWORD}),
                 json.dumps({"password": PASSWORD}, ensure_ascii=False)]
    for text in spellings:
        assert "p@ss" not in SECRETS.redact(f"login failed: {text}").replace("%40", "@"), text


def test_the_message_args_and_traceback_are_masked_but_the_rest_of_the_line_kept() -> None:
    redactor = SecretRedactor()
    redactor.add("tok-1234567890")

    def emit(logger: logging.Logger) -> None:
        logger.warning("connecting with %s", "tok-1234567890")
        try:
            raise ValueError("server said tok-1234567890 is expired")
        except ValueError:
            logger.exception("login failed")

    out = handler_output(redactor, emit)
    assert "tok-1234567890" not in out
    assert f"connecting with {MASK}" in out and f"ValueError: server said {MASK} is expired" in out


def test_header_credentials_are_masked_even_when_unknown_and_plain_words_are_not() -> None:
    redactor = SecretRedactor()
    assert redactor.redact("b'Authorization: Bearer abc\\x01'") == f"b'Authorization: Bearer {MASK}\\x01'"
    assert redactor.redact("Authorization Bearer abc") == f"Authorization Bearer {MASK}"
    assert redactor.redact("{'Authorization': 'Basic QWxh'}") == f"{{'Authorization': 'Basic {MASK}'}}"
    assert redactor.redact("authorization failed for momo") == "authorization failed for momo"


def test_a_value_too_short_to_be_a_secret_does_not_blank_the_log() -> None:
    redactor = SecretRedactor()
    redactor.add("ab")
    assert redactor.redact("a cab ride") == "a cab ride"


def test_header_credentials_are_masked_in_any_case_and_beside_non_ascii_text() -> None:
    redactor = SecretRedactor()
    assert redactor.redact("AUTHORIZATION: BEARER abc") == f"AUTHORIZATION: BEARER {MASK}"
    assert redactor.redact("kite: ToKeN key:sec") == f"kite: ToKeN {MASK}"
    assert redactor.redact("Börse said: Bearer abc") == f"Börse said: Bearer {MASK}"
    assert redactor.redact("Börse said: \u212aeep Token key:sec") == f"Börse said: \u212aeep Token {MASK}"

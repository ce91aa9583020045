"""E-mail settings are validated on load, each error naming the field a trader must change."""

from __future__ import annotations

import pytest

from core.adapters.mail.config import DeskConfig, MailConfigError, SmtpConfig, SmtpSecurity, parse_addresses


def test_defaults_port_from_security_and_splits_recipients() -> None:
    cfg = SmtpConfig.from_mapping({"host": "smtp.example.com", "security": "ssl", "sender": "me@example.com",
                                   "recipients": "a@example.com; b@example.org"})
    assert cfg.port == 465
    assert cfg.security is SmtpSecurity.SSL
    assert cfg.recipients == ("a@example.com", "b@example.org")
    assert "password" not in " ".join(cfg.to_mapping())


@pytest.mark.parametrize("host", ["smtp.example.com", "10.0.0.5"])
def test_plain_is_refused_for_a_remote_server(host: str) -> None:
    with pytest.raises(MailConfigError, match="only to a server on this computer") as caught:
        SmtpConfig(host=host, security=SmtpSecurity.PLAIN, sender="me@example.com")
    assert caught.value.field == "security"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_plain_is_allowed_for_localhost(host: str) -> None:
    assert SmtpConfig(host=host, security=SmtpSecurity.PLAIN, sender="me@example.com").port == 25


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"host": "smtp.example.com", "sender": "not-an-address"}, "sender"),
        ({"host": "smtp.example.com", "sender": "me@example.com", "recipients": ["ok@example.com", "bad@"]},
         "recipients"),
        ({"host": "smtp.example.com", "sender": "me@example.com", "port": "99999"}, "port"),
        ({"host": "smtp.example.com", "sender": "me@example.com", "port": "abc"}, "port"),
        ({"host": "bad host!", "sender": "me@example.com"}, "host"),
        ({"host": "smtp.example.com", "sender": "me@example.com", "security": "tls1.0"}, "security"),
        ({"host": "", "sender": "me@example.com"}, "host"),
        ({"host": "smtp.example.com", "sender": "me@example.com", "password": "x"}, "password"),
    ],
)
def test_bad_fields_are_named(data: dict[str, object], field: str) -> None:
    with pytest.raises(MailConfigError) as caught:
        SmtpConfig.from_mapping(data)
    assert caught.value.field == field


def test_duplicate_recipient_is_refused() -> None:
    with pytest.raises(MailConfigError, match="listed twice"):
        parse_addresses(["a@example.com", "A@example.com"])


def test_desk_config_needs_an_address_and_parses_instruments() -> None:
    with pytest.raises(MailConfigError, match="desk's e-mail address"):
        DeskConfig.from_mapping({})
    cfg = DeskConfig.from_mapping({"desk": ["orders@desk.example"],
                                   "instruments": [{"symbol": "AAPL", "currency": "usd", "tick_size": "0.01"}]})
    assert cfg.instruments[0].currency == "USD"
    with pytest.raises(MailConfigError, match=r"instruments\[0\] lacks tick_size"):
        DeskConfig.from_mapping({"desk": ["o@d.example"], "instruments": [{"symbol": "X", "currency": "USD"}]})

"""SmtpMailer against a real SMTP server on 127.0.0.1: login, STARTTLS and SSL with a test CA, and every failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.adapters.mail.config import SmtpConfig, SmtpSecurity
from core.adapters.mail.smtp import TEST_SUBJECT, SmtpMailer, send_test_mail
from core.ports.mailer import MailAuthError, MailMessage, MailTimeout, MailTlsError, MailUnreachable
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import (  # noqa: F401  (pytest fixtures)
    PASSWORD,
    USER,
    fixture_ca,
    fixture_ca_file,
    fixture_plain_sim,
    fixture_server_tls,
    fixture_ssl_sim,
    fixture_starttls_sim,
)


def config(port: int, security: SmtpSecurity, ca_path: str | None = None, username: str = USER,
           timeout_s: float = 5.0) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security=security, username=username,
                      sender="tradeterm@example.com", recipients=("me@example.com", "desk@example.org"),
                      ca_file=ca_path, timeout_s=timeout_s)


async def test_plain_localhost_delivers_subject_body_and_addresses(plain_sim: SmtpSim) -> None:
    mailer = SmtpMailer(config(plain_sim.port, SmtpSecurity.PLAIN, username=""))
    await mailer.send(MailMessage("[TradeTerm] hello", "Body line\n", message_id="abc.1@tradeterm"))
    [got] = plain_sim.received
    assert got.subject == "[TradeTerm] hello"
    assert got.body == "Body line\n"
    assert got.mail_from == "tradeterm@example.com"
    assert got.rcpt_tos == ["me@example.com", "desk@example.org"]
    assert got.message["Message-ID"] == "<abc.1@tradeterm>"


async def test_explicit_recipients_replace_the_configured_ones(plain_sim: SmtpSim) -> None:
    mailer = SmtpMailer(config(plain_sim.port, SmtpSecurity.PLAIN, username=""))
    await mailer.send(MailMessage("to the desk", "x", to=("orders@desk.example",)))
    assert plain_sim.received[0].rcpt_tos == ["orders@desk.example"]


async def test_starttls_with_trusted_ca_and_right_password_delivers(starttls_sim: SmtpSim, ca_file: str) -> None:
    mailer = SmtpMailer(config(starttls_sim.port, SmtpSecurity.STARTTLS, ca_file), password=lambda: PASSWORD)
    await mailer.send(MailMessage("over starttls", "hello"))
    assert [r.subject for r in starttls_sim.received] == ["over starttls"]


async def test_ssl_with_trusted_ca_and_right_password_delivers(ssl_sim: SmtpSim, ca_file: str) -> None:
    mailer = SmtpMailer(config(ssl_sim.port, SmtpSecurity.SSL, ca_file), password=lambda: PASSWORD)
    await mailer.send(MailMessage("over ssl", "hello"))
    assert [r.subject for r in ssl_sim.received] == ["over ssl"]


async def test_wrong_password_is_an_auth_error_that_never_shows_the_password(
    starttls_sim: SmtpSim, ca_file: str
) -> None:
    mailer = SmtpMailer(config(starttls_sim.port, SmtpSecurity.STARTTLS, ca_file), password=lambda: "wrong-guess")
    with pytest.raises(MailAuthError, match="refused the user name or password") as caught:
        await mailer.send(MailMessage("x", "y"))
    assert "wrong-guess" not in str(caught.value)
    assert starttls_sim.received == []


async def test_missing_password_says_to_enter_it(starttls_sim: SmtpSim, ca_file: str) -> None:
    mailer = SmtpMailer(config(starttls_sim.port, SmtpSecurity.STARTTLS, ca_file), password=lambda: None)
    with pytest.raises(MailAuthError, match="No SMTP password is stored"):
        await mailer.send(MailMessage("x", "y"))


async def test_ssl_server_with_untrusted_certificate_is_refused(ssl_sim: SmtpSim) -> None:
    mailer = SmtpMailer(config(ssl_sim.port, SmtpSecurity.SSL), password=lambda: PASSWORD)
    with pytest.raises(MailTlsError, match="not trusted"):
        await mailer.send(MailMessage("x", "y"))
    assert ssl_sim.received == []


async def test_starttls_server_with_untrusted_certificate_is_refused(starttls_sim: SmtpSim) -> None:
    mailer = SmtpMailer(config(starttls_sim.port, SmtpSecurity.STARTTLS), password=lambda: PASSWORD)
    with pytest.raises(MailTlsError, match="not trusted"):
        await mailer.send(MailMessage("x", "y"))
    assert starttls_sim.received == []


async def test_certificate_for_another_host_is_refused(ssl_sim: SmtpSim, ca_file: str) -> None:
    bad = SmtpConfig(host="127.0.0.2", port=ssl_sim.port, security=SmtpSecurity.SSL, username=USER,
                     sender="a@example.com", recipients=("b@example.com",), ca_file=ca_file, timeout_s=2)
    with pytest.raises((MailTlsError, MailUnreachable)):
        await SmtpMailer(bad, password=lambda: PASSWORD).send(MailMessage("x", "y"))
    assert ssl_sim.received == []


async def test_starttls_asked_of_a_server_without_it_is_a_tls_error(plain_sim: SmtpSim, ca_file: str) -> None:
    mailer = SmtpMailer(config(plain_sim.port, SmtpSecurity.STARTTLS, ca_file, username=""))
    with pytest.raises(MailTlsError, match="STARTTLS"):
        await mailer.send(MailMessage("x", "y"))


async def test_nothing_listening_is_unreachable(plain_sim: SmtpSim) -> None:
    port = plain_sim.port
    await plain_sim.stop()
    with pytest.raises(MailUnreachable, match=r"Cannot reach the SMTP server 127\.0\.0\.1"):
        await SmtpMailer(config(port, SmtpSecurity.PLAIN, username="")).send(MailMessage("x", "y"))


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that accepts connections and never says a word."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_times_out(silent_port: int) -> None:
    mailer = SmtpMailer(config(silent_port, SmtpSecurity.PLAIN, username="", timeout_s=0.2))
    with pytest.raises(MailTimeout, match="No answer from the SMTP server"):
        await mailer.send(MailMessage("x", "y"))


async def test_send_test_mail_reaches_the_recipients(starttls_sim: SmtpSim, ca_file: str) -> None:
    await send_test_mail(config(starttls_sim.port, SmtpSecurity.STARTTLS, ca_file), password=lambda: PASSWORD)
    [got] = starttls_sim.received
    assert got.subject == TEST_SUBJECT
    assert "TradeTerm can send you notifications" in got.body
    assert PASSWORD not in got.raw.decode()

"""Shared fixtures of the mail tests: a test CA (trustme) and SMTP servers on 127.0.0.1.

Import the `fixture_*` functions into a test module; tests ask for them by their fixture names.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from tests.sims.smtp import SmtpSim

USER = "trader@example.com"
PASSWORD = "s3cret-Pa55word!"


@pytest.fixture(scope="session", name="ca")
def fixture_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(name="ca_file")
def fixture_ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session", name="server_tls")
def fixture_server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(name="plain_sim")
async def fixture_plain_sim() -> AsyncIterator[SmtpSim]:
    sim = SmtpSim()
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture(name="starttls_sim")
async def fixture_starttls_sim(server_tls: ssl.SSLContext) -> AsyncIterator[SmtpSim]:
    sim = SmtpSim(security="starttls", tls_context=server_tls, username=USER, password=PASSWORD)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture(name="ssl_sim")
async def fixture_ssl_sim(server_tls: ssl.SSLContext) -> AsyncIterator[SmtpSim]:
    sim = SmtpSim(security="ssl", tls_context=server_tls, username=USER, password=PASSWORD)
    await sim.start()
    yield sim
    await sim.stop()

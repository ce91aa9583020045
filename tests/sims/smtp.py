"""SmtpSim: a real SMTP server (aiosmtpd) on 127.0.0.1 for tests: plain, STARTTLS or implicit TLS, with AUTH.

It keeps every accepted message (parsed), can go down and come back on the same port, and can answer
DATA with a temporary failure, so outages and recoveries are real network events for the client.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # a long subject is folded after "Subject:", as RFC 5322 allows

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")


@dataclass
class SmtpSim:
    """Start with `await sim.start()`; `port` is chosen by the OS on the first start and kept after."""

    security: str = "plain"  # plain | starttls | ssl
    tls_context: ssl.SSLContext | None = None
    username: str | None = None
    password: str | None = None
    fail_data: bool = False
    port: int = 0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    _server: asyncio.AbstractServer | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        auth = self.username is not None
        kwargs: dict[str, Any] = {"hostname": "sim.local", "loop": loop}
        if auth:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
        if self.security == "starttls":
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        elif self.security in ("ssl", "plain"):
            kwargs["auth_require_tls"] = False  # implicit TLS is already on; plain is a localhost test only
            kwargs.pop("auth_required", None)

        def factory() -> SMTP:
            return SMTP(self, **kwargs)

        ssl_ctx = self.tls_context if self.security == "ssl" else None
        self._server = await loop.create_server(factory, "127.0.0.1", self.port, ssl=ssl_ctx)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Go down: close the listening socket (clients get 'connection refused')."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _authenticate(self, server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.fail_data:
            return "451 4.3.0 Temporary failure, try again later"
        raw = bytes(envelope.content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
        self._arrived.set()
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until at least count messages have arrived; return them all."""

        async def arrived() -> None:
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(arrived(), timeout)
        return self.received

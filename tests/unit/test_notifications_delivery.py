"""Delivery: an SMTP outage and a crash lose nothing and send nothing twice; failures reach the log."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from core.domain import FillRecorded
from tests.factories import make_fill
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import fixture_plain_sim  # noqa: F401  (pytest fixtures)
from tests.unit.notifications_harness import Harness, build

ROOT = Path(__file__).resolve().parents[2]


async def wait_until(condition: object, timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def trade_ids(sim: SmtpSim) -> list[str]:
    lines = [line for r in sim.received for line in r.body.splitlines()]
    return sorted(line.split()[-1] for line in lines if line.startswith("Trade id:"))


async def close(h: Harness) -> None:
    await h.service.close()
    h.outbox.close()


async def test_an_outage_then_recovery_delivers_everything_exactly_once(
    tmp_path: Path, plain_sim: SmtpSim
) -> None:
    await plain_sim.stop()
    h = build(tmp_path / "outbox.sqlite", plain_sim.port)
    h.service.start()
    for i in range(3):
        h.publish(FillRecorded(make_fill(trade_id=f"OUT-{i}")))
        await wait_until(lambda i=i: h.outbox.unsent_count() == i + 1)  # each fill its own mail
    await wait_until(lambda: sum(log.level == "WARNING" for log in h.logs) >= 2)
    warning = next(log for log in h.logs if log.level == "WARNING")
    assert "E-mail notification not sent: Cannot reach the SMTP server" in warning.text
    assert "Retrying in" in warning.text
    assert h.outbox.unsent_count() == 3
    await plain_sim.start()  # the server is back, on the same port
    await plain_sim.wait_for(3)
    await wait_until(lambda: h.outbox.unsent_count() == 0)
    await asyncio.sleep(0.3)  # longer than the longest backoff: nothing more may arrive
    assert trade_ids(plain_sim) == ["OUT-0", "OUT-1", "OUT-2"]
    assert len({r.message["Message-ID"] for r in plain_sim.received}) == 3
    assert any(log.level == "INFO" and "delivered again" in log.text for log in h.logs)
    await close(h)


async def test_a_temporary_refusal_is_retried_until_accepted_once(
    tmp_path: Path, plain_sim: SmtpSim
) -> None:
    plain_sim.fail_data = True
    h = build(tmp_path / "outbox.sqlite", plain_sim.port)
    h.service.start()
    h.publish(FillRecorded(make_fill(trade_id="TEMP-1")))
    await wait_until(lambda: plain_sim.attempts >= 2)
    assert any("451" in log.text for log in h.logs if log.level == "WARNING")
    plain_sim.fail_data = False
    await plain_sim.wait_for(1)
    await asyncio.sleep(0.3)
    assert trade_ids(plain_sim) == ["TEMP-1"]
    await close(h)


async def test_mail_queued_before_a_crash_is_sent_after_restart_exactly_once(
    tmp_path: Path, plain_sim: SmtpSim
) -> None:
    outbox = tmp_path / "outbox.sqlite"
    await plain_sim.stop()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.unit.notifications_crash_child", str(outbox), str(plain_sim.port),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert "queued: 1 mail, 1 notification" in out.decode()
    await plain_sim.start()
    h = build(outbox, plain_sim.port)
    h.service.start()
    await plain_sim.wait_for(2)
    await wait_until(lambda: h.outbox.unsent_count() == 0)
    await asyncio.sleep(0.3)
    assert trade_ids(plain_sim) == ["BEFORE-CRASH-1", "BEFORE-CRASH-2"]
    await close(h)
    h2 = build(outbox, plain_sim.port)  # a second restart sends nothing again
    h2.service.start()
    await asyncio.sleep(0.2)
    assert len(plain_sim.received) == 2
    await close(h2)

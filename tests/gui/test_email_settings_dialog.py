"""The e-mail settings dialog: validation, the password kept only in the keyring, and the test button."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot

from core.adapters.mail.config import SmtpConfig
from core.adapters.mail.smtp import TEST_SUBJECT, send_test_mail
from core.ports.notifier import NotificationKind
from core.services.notifications import NotificationSettings
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from core.storage.settings import SettingsStore
from gui.dialogs.email_settings import EmailSettingsDialog
from tests.gui.test_manual_fill_dialog import unnamed_controls
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import fixture_ca, fixture_server_tls  # noqa: F401  (pytest fixtures)

SMTP_KEY = "smtp/password"
PASSWORD = "hunter2-Secret!"


class Wiring:
    """What gui/app.py does: validate and store the settings, the password in the keyring, send a test mail."""

    def __init__(self, settings_path: Path, timeout_s: float = 2.0) -> None:
        self.store = SettingsStore(settings_path)
        self.secrets = SecretStore(backend=MemoryKeyring())
        self.timeout_s = timeout_s

    def smtp_config(self, values: dict[str, Any]) -> SmtpConfig:
        return SmtpConfig.from_mapping({**values["smtp"], "timeout_s": self.timeout_s})

    def save(self, values: dict[str, Any], password: str | None) -> None:
        self.smtp_config(values)
        NotificationSettings.from_mapping(values)
        if password is not None:
            self.secrets.set(SMTP_KEY, password)
        self.store.save({**self.store.load(), "email": values})

    async def send_test(self, values: dict[str, Any], password: str | None) -> None:
        await send_test_mail(self.smtp_config(values), lambda: password or self.secrets.get(SMTP_KEY))

    def dialog(self, values: dict[str, Any] | None = None) -> EmailSettingsDialog:
        return EmailSettingsDialog(values or {}, self.secrets.get(SMTP_KEY) is not None, self.save, self.send_test)


def smtp_values(port: int, security: str = "plain", username: str = "") -> dict[str, Any]:
    return {"smtp": {"host": "127.0.0.1", "port": port, "security": security, "username": username,
                     "sender": "tradeterm@example.com", "recipients": ["me@example.com"]}}


@pytest.fixture
def wiring(tmp_path: Path) -> Wiring:
    return Wiring(tmp_path / "settings.json")


@pytest.fixture
async def auth_sim() -> AsyncIterator[SmtpSim]:
    sim = SmtpSim(username="me@example.com", password=PASSWORD)
    await sim.start()
    yield sim
    await sim.stop()


async def finish_test(dialog: EmailSettingsDialog) -> str:
    for _ in range(500):
        if dialog.test_button.isEnabled() and not dialog.progress.isVisible():
            return dialog.status.text()
        await asyncio.sleep(0.01)
    raise AssertionError("the test e-mail never finished")


def save(dialog: EmailSettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


async def test_saving_keeps_the_password_in_the_keyring_only(qtbot: QtBot, wiring: Wiring, tmp_path: Path) -> None:
    dialog = wiring.dialog()
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "emailSettingsDialog"
    assert unnamed_controls(dialog) == []
    assert dialog.password.echoMode() is QLineEdit.EchoMode.Password
    dialog.host.setText("smtp.example.com")
    dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
    dialog.username.setText("me@example.com")
    dialog.password.setText(PASSWORD)
    dialog.sender.setText("me@example.com")
    dialog.recipients.setText("me@example.com; desk@example.org")
    dialog.kinds[NotificationKind.FILL].setChecked(False)
    with qtbot.waitSignal(dialog.saved):
        save(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    text = (tmp_path / "settings.json").read_text()
    assert PASSWORD not in text
    email = json.loads(text)["email"]
    assert email["smtp"]["recipients"] == ["me@example.com", "desk@example.org"]
    assert "fill" not in email["notify"] and "kill_switch" in email["notify"]
    assert wiring.secrets.get(SMTP_KEY) == PASSWORD
    reopened = wiring.dialog(email)
    qtbot.addWidget(reopened)
    assert reopened.password.text() == ""
    assert "stored in the keyring" in reopened.password.placeholderText()
    assert reopened.security.currentData() == "ssl"
    assert not reopened.kinds[NotificationKind.FILL].isChecked()


async def test_a_bad_recipient_is_named_and_nothing_is_saved(qtbot: QtBot, wiring: Wiring, tmp_path: Path) -> None:
    dialog = wiring.dialog(smtp_values(25))
    qtbot.addWidget(dialog)
    dialog.recipients.setText("me@example.com, not-an-address")
    save(dialog)
    assert "'not-an-address' is not an e-mail address" in dialog.status.text()
    assert "c62828" in dialog.recipients.styleSheet()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not (tmp_path / "settings.json").exists()


async def test_plain_to_a_remote_server_is_refused(qtbot: QtBot, wiring: Wiring) -> None:
    dialog = wiring.dialog({"smtp": {**smtp_values(25)["smtp"], "host": "smtp.example.com"}})
    qtbot.addWidget(dialog)
    save(dialog)
    assert "only to a server on this computer" in dialog.status.text()
    assert "c62828" in dialog.security.styleSheet()


async def test_the_test_button_sends_a_mail_and_says_so(qtbot: QtBot, wiring: Wiring, auth_sim: SmtpSim) -> None:
    dialog = wiring.dialog(smtp_values(auth_sim.port, username="me@example.com"))
    qtbot.addWidget(dialog)
    dialog.password.setText(PASSWORD)  # typed, not yet saved: the test uses it
    dialog.test_button.click()
    assert not dialog.test_button.isEnabled()
    assert dialog.progress.isVisible() or not dialog.isVisible()
    assert "Sending a test e-mail to me@example.com" in dialog.status.text()
    assert "Test e-mail sent to me@example.com" in await finish_test(dialog)
    assert [r.subject for r in auth_sim.received] == [TEST_SUBJECT]
    assert wiring.secrets.get(SMTP_KEY) is None  # testing saves nothing


async def test_a_wrong_password_is_reported(qtbot: QtBot, wiring: Wiring, auth_sim: SmtpSim) -> None:
    dialog = wiring.dialog(smtp_values(auth_sim.port, username="me@example.com"))
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong")
    dialog.test_button.click()
    text = await finish_test(dialog)
    assert "Test e-mail failed: The SMTP server 127.0.0.1" in text
    assert "refused the user name or password" in text
    assert "wrong" not in text.replace("went wrong", "")


async def test_an_untrusted_certificate_is_reported(
    qtbot: QtBot, wiring: Wiring, server_tls: Any
) -> None:
    sim = SmtpSim(security="ssl", tls_context=server_tls)
    await sim.start()
    dialog = wiring.dialog(smtp_values(sim.port, security="ssl"))
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    assert "is not trusted" in await finish_test(dialog)
    await sim.stop()


async def test_an_unreachable_server_is_reported(qtbot: QtBot, wiring: Wiring) -> None:
    sim = SmtpSim()
    await sim.start()
    await sim.stop()
    dialog = wiring.dialog(smtp_values(sim.port))
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    assert "Cannot reach the SMTP server 127.0.0.1" in await finish_test(dialog)


async def test_a_server_that_never_answers_is_a_timeout(qtbot: QtBot, tmp_path: Path) -> None:
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)  # accept, then never say a word

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    wiring = Wiring(tmp_path / "settings.json", timeout_s=0.2)
    dialog = wiring.dialog(smtp_values(server.sockets[0].getsockname()[1]))
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    assert "No answer from the SMTP server" in await finish_test(dialog)
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()

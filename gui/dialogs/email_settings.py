"""EmailSettingsDialog: the SMTP server, the password (keyring only), recipients, and which events are mailed.

The dialog touches no storage or adapter: it is given callables. `save(values, password)` validates
and stores the plain settings and, when a password was typed, the password in the keyring — all or
nothing: it raises (ValueError with an optional `field` attribute on a bad value) having changed
nothing, so "Not saved" means nothing was saved. `send_test(values, password)` is a coroutine that
sends a test mail (password None: use the stored one) and raises an error whose text says what went
wrong. Cancel stores nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from core.ports.notifier import NotificationKind
from gui.async_op import OpReporter, run_op
from gui.widgets.literal_text import literal

SECURITY_CHOICES = (("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("plain", "None (server on this computer only)"))
Save = Callable[[dict[str, Any], str | None], None]
SendTest = Callable[[dict[str, Any], str | None], Awaitable[None]]
ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"


class EmailSettingsDialog(QDialog):
    """Edit the e-mail settings; "Send test e-mail" tries them without saving.

    Signals: saved(dict values) after the settings (and any new password) were stored.
    """

    saved = Signal(dict)

    def __init__(
        self,
        values: Mapping[str, Any],
        has_password: bool,
        save: Save,
        send_test: SendTest,
        parent: QWidget | None = None,
        password_hint: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emailSettingsDialog")
        self.setWindowTitle("E-mail settings")
        self._save = save
        self._send_test = send_test
        self._reporter = OpReporter(self)
        smtp = dict(values.get("smtp", {}))

        self.host = self._line("emailSettings.host", str(smtp.get("host", "")), "smtp.example.com")
        self.port = QSpinBox(objectName="emailSettings.port")
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("default")
        self.port.setValue(int(smtp.get("port", 0) or 0))
        self.security = QComboBox(objectName="emailSettings.security")
        for key, label in SECURITY_CHOICES:
            self.security.addItem(label, key)
        self.security.setCurrentIndex(max(0, self.security.findData(smtp.get("security", "starttls"))))
        self.username = self._line("emailSettings.username", str(smtp.get("username", "")), "name@example.com")
        self.password = self._line("emailSettings.password", "", password_hint if password_hint is not None else
                                   "stored in the keyring — type to replace" if has_password else "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sender = self._line("emailSettings.sender", str(smtp.get("sender", "")), "tradeterm@example.com")
        recipients = smtp.get("recipients", [])
        self.recipients = self._line("emailSettings.recipients", ", ".join(recipients), "me@example.com, ...")

        server = QFormLayout()
        server.addRow("SMTP host", self.host)
        server.addRow("Port", self.port)
        server.addRow("Security", self.security)
        server.addRow("User name", self.username)
        server.addRow("Password", self.password)
        server.addRow("Sender", self.sender)
        server.addRow("Recipients", self.recipients)

        enabled = set(values.get("notify", [k.value for k in NotificationKind]))
        self.kinds: dict[NotificationKind, QCheckBox] = {}
        events = QVBoxLayout()
        for kind in NotificationKind:
            box = QCheckBox(literal(kind.label), objectName=f"emailSettings.notify.{kind.value}")
            box.setChecked(kind.value in enabled)
            self.kinds[kind] = box
            events.addWidget(box)
        self.summary_at = QTimeEdit(objectName="emailSettings.summaryAt")
        self.summary_at.setDisplayFormat("HH:mm")
        self.summary_at.setTime(QTime.fromString(str(values.get("daily_summary_at") or "17:30"), "HH:mm"))
        summary_row = QHBoxLayout()
        summary_row.addWidget(QLabel("End-of-day summary at"))
        summary_row.addWidget(self.summary_at)
        summary_row.addStretch(1)
        events.addLayout(summary_row)
        events_box = QGroupBox("Mail me when")
        events_box.setLayout(events)

        self.test_button = QPushButton("Send test e-mail", objectName="emailSettings.testButton")
        self.test_button.clicked.connect(self._on_test_clicked)
        self.progress = QProgressBar(objectName="emailSettings.testProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.status = QLabel("", objectName="emailSettings.status")
        self.status.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.progress, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
            objectName="emailSettings.buttons",
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("emailSettings.save")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("emailSettings.cancel")
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(server)
        layout.addWidget(events_box)
        layout.addLayout(test_row)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {
            "host": self.host, "port": self.port, "security": self.security, "username": self.username,
            "sender": self.sender, "recipients": self.recipients, "password": self.password,
        }

    def _line(self, name: str, text: str, placeholder: str) -> QLineEdit:
        line = QLineEdit(text, objectName=name)
        line.setPlaceholderText(placeholder)
        return line

    def values(self) -> dict[str, Any]:
        """Return the settings as entered (never the password)."""
        recipients = [r for r in self.recipients.text().replace(";", ",").split(",") if r.strip()]
        return {
            "smtp": {
                "host": self.host.text().strip(),
                "port": self.port.value(),
                "security": self.security.currentData(),
                "username": self.username.text().strip(),
                "sender": self.sender.text().strip(),
                "recipients": [r.strip() for r in recipients],
            },
            "notify": [kind.value for kind, box in self.kinds.items() if box.isChecked()],
            "daily_summary_at": self.summary_at.time().toString("HH:mm"),
        }

    def _show(self, text: str, ok: bool, field: str | None = None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        for name, widget in self._fields.items():
            widget.setStyleSheet("border: 1px solid #c62828;" if name == field else "")
        if field in self._fields:
            self._fields[field].setFocus()

    def _on_save(self) -> None:
        values = self.values()
        try:
            self._save(values, self.password.text() or None)
        except Exception as exc:  # `save` changed nothing: the settings stay as they were
            self._show(f"Not saved: {exc}", ok=False, field=getattr(exc, "field", None))
            return
        self.password.clear()
        self.saved.emit(values)
        self.accept()

    def _on_test_clicked(self) -> None:
        values = self.values()
        password = self.password.text() or None
        recipients = ", ".join(values["smtp"]["recipients"]) or "the recipients"
        self.progress.setVisible(True)
        self._show(f"Sending a test e-mail to {recipients}…", ok=True)

        def done(_: object) -> None:
            self.progress.setVisible(False)
            self._show(f"Test e-mail sent to {recipients}. Check the inbox.", ok=True)

        def failed(exc: BaseException) -> None:
            self.progress.setVisible(False)
            self._show(f"Test e-mail failed: {exc}", ok=False, field=getattr(exc, "field", None))

        run_op(self._reporter, "Send test e-mail", self._test(values, password),
               disable=self.test_button, on_success=done, on_error=failed)

    async def _test(self, values: dict[str, Any], password: str | None) -> None:
        await self._send_test(values, password)  # a settings error raised while building the mail lands here too

"""VaultDialog: the master password of the encrypted secrets vault — create one (typed twice) or unlock it.

Shown at start when there is no OS keyring, and from the banner that says secrets cannot be stored;
gui/controllers/secrets.py builds it with `open_vault(password)`, which creates or unlocks the vault and
raises an error whose text says what was wrong (a wrong password, a damaged file). The dialog then
says so and lets the trader try again or continue without secrets; nothing is written until a new
vault's two passwords agree.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #c62828;"


class VaultDialog(QDialog):
    """Ask for the vault's master password; `vault` is what `open_vault` returned once accepted, else None.

    `location` names the vault file; `creating` asks for the password twice (first use).
    Signals: unlocked(object) with the opened vault (then the dialog accepts).
    """

    unlocked = Signal(object)

    def __init__(self, location: str, creating: bool, open_vault: Callable[[str], object], min_length: int,
                 skip_text: str = "Continue without secrets", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vaultDialog")
        self.creating = creating
        self._open_vault = open_vault
        self.vault: object | None = None
        self.setWindowTitle("Create a secrets vault" if self.creating else "Unlock the secrets vault")
        if self.creating:
            intro = (
                "No OS keyring was found on this computer (such as GNOME Keyring or KWallet), so TradeTerm can "
                "keep passwords and tokens in an encrypted file instead:\n"
                f"{location}\n\n"
                f"Choose a master password (at least {min_length} characters). TradeTerm asks for it once "
                "at each start. If you forget it, the secrets in the vault are lost and must be entered again."
            )
        else:
            intro = f"Enter the master password of your secrets vault:\n{location}"
        self.intro = QLabel(intro, objectName="vault.intro")
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.password = self._secret_line("vault.password")
        self.confirm = self._secret_line("vault.confirm")
        self.status = QLabel("", objectName="vault.status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow("Master password", self.password)
        if self.creating:
            form.addRow("Type it again", self.confirm)
        else:
            self.confirm.hide()
        self.buttons = QDialogButtonBox(objectName="vault.buttons")
        self.open_button = QPushButton("Create vault" if self.creating else "Unlock", objectName="vault.openButton")
        self.open_button.setDefault(True)
        self.skip_button = QPushButton(skip_text, objectName="vault.skipButton")
        self.skip_button.setToolTip("Start without passwords and tokens: the strategy API and the e-mail password "
                                    "stay off until you set up the vault from the banner.")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.skip_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def _secret_line(self, name: str) -> QLineEdit:
        line = QLineEdit(objectName=name)
        line.setEchoMode(QLineEdit.EchoMode.Password)  # Return presses the default button (open) once
        return line

    def _refuse(self, text: str) -> None:
        self.status.setText(text)
        self.password.clear()
        self.confirm.clear()
        self.password.setFocus()

    def _on_open_clicked(self) -> None:
        password = self.password.text()
        if self.creating and password != self.confirm.text():
            self._refuse("The two passwords differ: type the same master password twice.")
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the key derivation takes a moment on purpose
        try:
            vault = self._open_vault(password)
        except Exception as exc:  # a wrong password, a damaged or unwritable file: its text says which
            self._refuse(f"{exc} Try again, or press {self.skip_button.text()}.")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.password.clear()
        self.confirm.clear()
        self.vault = vault
        self.unlocked.emit(vault)
        self.accept()

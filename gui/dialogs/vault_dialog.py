"""VaultDialog: the master password of the encrypted secrets vault — create one (typed twice) or unlock it.

Shown at start when there is no OS keyring (gui/vault_setup.py), and from the banner that says
secrets cannot be stored. A wrong password says so and lets the trader try again or continue
without secrets; nothing is written until a new vault's two passwords agree.
"""

from __future__ import annotations

from pathlib import Path

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

from core.storage.vault import MIN_PASSWORD_LENGTH, VaultError, VaultKeyring, WrongPassword

ERROR_STYLE = "color: #c62828;"


class VaultDialog(QDialog):
    """Ask for the vault's master password; `vault` is the opened vault once accepted, else None.

    Signals: unlocked(VaultKeyring) when the vault was created or unlocked (then the dialog accepts).
    """

    unlocked = Signal(object)

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vaultDialog")
        self.path = path
        self.creating = not path.exists()
        self.vault: VaultKeyring | None = None
        self.setWindowTitle("Create a secrets vault" if self.creating else "Unlock the secrets vault")
        if self.creating:
            intro = (
                "No OS keyring was found on this computer (such as GNOME Keyring or KWallet), so TradeTerm can "
                "keep passwords and tokens in an encrypted file instead:\n"
                f"{path}\n\n"
                f"Choose a master password (at least {MIN_PASSWORD_LENGTH} characters). TradeTerm asks for it once "
                "at each start. If you forget it, the secrets in the vault are lost and must be entered again."
            )
        else:
            intro = f"Enter the master password of your secrets vault:\n{path}"
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
        self.skip_button = QPushButton("Continue without secrets", objectName="vault.skipButton")
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
        line.setEchoMode(QLineEdit.EchoMode.Password)
        line.returnPressed.connect(self._on_open_clicked)
        return line

    def _refuse(self, text: str, clear: bool = True) -> None:
        self.status.setText(text)
        if clear:
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
            vault = VaultKeyring.create(self.path, password) if self.creating else VaultKeyring.unlock(self.path,
                                                                                                       password)
        except WrongPassword:
            self._refuse("Wrong master password. Try again, or continue without secrets.")
            return
        except VaultError as exc:
            self._refuse(f"{exc}\n\nYou can continue without secrets.", clear=self.creating)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.password.clear()
        self.confirm.clear()
        self.vault = vault
        self.unlocked.emit(vault)
        self.accept()

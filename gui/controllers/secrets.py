"""SecretsSetup: where secrets live — the OS keyring, else the encrypted vault the trader unlocks, else nowhere.

Once the window has painted (`settle`: finding the keyring imports every backend, which the first screen
need not wait for), when no OS keyring is usable, the trader is asked once for the vault's master password
(`ask`, the modal VaultDialog in the app; None where no one can answer: --screenshot, tests). If the
trader declines, a banner at the top of the window says secrets cannot be stored and what to do;
its button opens the dialog again, and once the vault is open the parts that need secrets are told
(`on_ready`), so the trader need not restart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import QWidget

from core.domain import LogMessage
from core.services.bus import EventBus
from core.storage.secrets import SecretStore
from gui.widgets.main_window import MainWindow
from gui.widgets.secrets_banner import SecretsBanner

if TYPE_CHECKING:  # the vault imports keyring: both are imported when the keyring is settled, after the first paint
    from core.storage.vault import VaultKeyring
    from gui.dialogs.vault_dialog import VaultDialog

VAULT_FILE: Final = "secrets.vault"
AskVault = Callable[[Path], "VaultKeyring | None"]
NO_SECRETS: Final = (
    "Secrets cannot be stored: there is no OS keyring and no unlocked secrets vault. The strategy API, the "
    "e-mail password and broker logins stay off. Set up the vault (a master password), or install and unlock "
    "a Secret Service such as gnome-keyring (or KWallet) and restart TradeTerm."
)


def vault_dialog(path: Path, skip_text: str = "Continue without secrets", parent: QWidget | None = None) -> VaultDialog:
    """Return the dialog that creates the vault at path (first use) or unlocks it."""
    from core.storage.vault import MIN_PASSWORD_LENGTH, VaultKeyring
    from gui.dialogs.vault_dialog import VaultDialog

    if path.exists():
        return VaultDialog(str(path), False, lambda password: VaultKeyring.unlock(path, password),
                           MIN_PASSWORD_LENGTH, skip_text, parent)
    return VaultDialog(str(path), True, lambda password: VaultKeyring.create(path, password), MIN_PASSWORD_LENGTH,
                       skip_text, parent)


def ask_with_dialog(path: Path) -> VaultKeyring | None:
    """Ask for the master password in a modal VaultDialog; return the opened vault, or None if declined."""
    from core.storage.vault import VaultKeyring

    dialog = vault_dialog(path)
    dialog.exec()
    return dialog.vault if isinstance(dialog.vault, VaultKeyring) else None


class SecretsSetup:
    """Give `secrets` a backend at start: the OS keyring, else the vault (asked for once), else a banner later."""

    def __init__(self, secrets: SecretStore, data_dir: Path) -> None:
        self.secrets = secrets
        self.vault_path = data_dir / VAULT_FILE
        self.on_ready: list[Callable[[], object]] = []
        """Called once the vault is opened from the banner (each part that read no secrets at start)."""
        self.banner: SecretsBanner | None = None
        self._window: MainWindow | None = None
        self.problem: str | None = None
        """Why secrets cannot be stored now, with what to do; None when they can."""
        self.settled = False
        """Whether `settle` has run: the keyring was looked for (and the vault asked for where there is none)."""

    def settle(self, ask: AskVault | None) -> None:
        """Find the OS keyring; without one, ask (once) for the vault's master password, else note the problem.

        The app calls it once, after the window's first paint and before anything reads a secret.
        """
        self.settled = True
        if not self.secrets.describe_backend().failing:
            return
        vault = ask(self.vault_path) if ask is not None else None
        if vault is not None:
            self.secrets.use_backend(vault)
        else:
            self.problem = NO_SECRETS

    def show_banner(self, window: MainWindow, bus: EventBus) -> None:
        """Put the banner at the top of the window if secrets cannot be stored (and say it in the log)."""
        if self.problem is None:
            return
        self._window = window
        self.banner = SecretsBanner(self.problem)
        self.banner.set_up_requested.connect(self._on_set_up_requested)
        window.add_banner(self.banner)
        bus.publish(LogMessage("WARNING", f"{self.problem} ({self.secrets.describe_backend().detail})"))

    def _on_set_up_requested(self) -> None:
        dialog = vault_dialog(self.vault_path, "Not now", parent=self._window)
        dialog.unlocked.connect(self._on_unlocked)
        dialog.open()

    def _on_unlocked(self, vault: object) -> None:
        from core.storage.vault import VaultKeyring

        assert isinstance(vault, VaultKeyring)
        self.secrets.use_backend(vault)
        self.problem = None
        if self.banner is not None:
            self.banner.hide()
        for ready in self.on_ready:
            ready()

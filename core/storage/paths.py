"""Where TradeTerm keeps its files: the user data dir (platformdirs) or the folder given by --data-dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import platformdirs

APP_NAME: Final = "TradeTerm"
JOURNAL_FILE: Final = "journal.sqlite"
SETTINGS_FILE: Final = "settings.json"
PAPER_DIR: Final = "paper"
LOG_DIR: Final = "logs"


class DataDirError(Exception):
    """The data folder cannot be created or used; the message names it and says what to do."""


def default_data_dir() -> Path:
    """Return the per-user data folder, e.g. ~/.local/share/TradeTerm or %LOCALAPPDATA%\\TradeTerm."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True, slots=True)
class DataPaths:
    """The files inside one data folder."""

    root: Path

    @property
    def journal(self) -> Path:
        """The SQLite journal of orders, events, fills and audit."""
        return self.root / JOURNAL_FILE

    @property
    def settings(self) -> Path:
        """The settings document (no secrets)."""
        return self.root / SETTINGS_FILE

    @property
    def paper(self) -> Path:
        """The paper broker's own folder (its simulated account state)."""
        return self.root / PAPER_DIR

    @property
    def logs(self) -> Path:
        """The folder of log files."""
        return self.root / LOG_DIR


def resolve_data_dir(arg: str | None) -> Path:
    """Return the data folder (`arg`, else the default), created if missing."""
    root = default_data_dir() if arg is None else Path(arg).expanduser()
    root = root.absolute()
    if root.exists() and not root.is_dir():
        raise DataDirError(f"The data folder {root} is a file, not a folder. Choose a folder with --data-dir.")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"Cannot create the data folder {root} ({exc.strerror}). Choose a writable folder with --data-dir."
        ) from None
    return root


def data_paths(arg: str | None) -> DataPaths:
    """Return the paths of the files in the data folder, creating the folder."""
    return DataPaths(resolve_data_dir(arg))

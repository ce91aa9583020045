"""Persistence: the SQLite journal, the settings file, secrets in the OS keyring, and where they live."""

from typing import TYPE_CHECKING

from core.storage.journal import SqliteJournal
from core.storage.paths import DataDirError, DataPaths, data_paths, default_data_dir, resolve_data_dir
from core.storage.schema import SCHEMA_VERSION
from core.storage.secrets import (
    BackendDescription,
    SecretStore,
    SecretStoreError,
    choose_backend,
    describe_backend,
    secret_key,
)
from core.storage.settings import AccountSettings, SettingsError, SettingsStore, looks_like_secret

__all__ = [
    "SCHEMA_VERSION", "AccountSettings", "BackendDescription", "DataDirError", "DataPaths", "MemoryKeyring",
    "SecretStore", "SecretStoreError", "SettingsError", "SettingsStore", "SqliteJournal", "choose_backend",
    "data_paths", "default_data_dir", "describe_backend", "looks_like_secret", "resolve_data_dir", "secret_key",
]

if TYPE_CHECKING:
    from core.storage.memory_keyring import MemoryKeyring


def __getattr__(name: str) -> object:
    """Import MemoryKeyring on first use: it imports keyring, which the first paint does without."""
    if name == "MemoryKeyring":
        from core.storage.memory_keyring import MemoryKeyring

        return MemoryKeyring
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

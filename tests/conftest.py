"""Suite-wide set-up: Qt offscreen, an in-memory keyring, nothing touches the user's real files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app chooses its keyring explicitly (core.storage.secrets.choose_backend honours this variable):
# in tests it is an in-memory one, per SecretStore, so no test touches a real keyring.
os.environ["PYTHON_KEYRING_BACKEND"] = "core.storage.memory_keyring.MemoryKeyring"

import keyring

from core.storage.memory_keyring import MemoryKeyring

keyring.set_keyring(MemoryKeyring())

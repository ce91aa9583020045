"""Suite-wide set-up: Qt offscreen, an in-memory keyring, nothing touches the user's real files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring

from core.storage.memory_keyring import MemoryKeyring

keyring.set_keyring(MemoryKeyring())

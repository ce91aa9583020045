"""Suite-wide set-up: Qt offscreen, an in-memory keyring, nothing touches the user's real files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

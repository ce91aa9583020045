"""Child process for the vault crash test: open the vault, start saving a new secret, die by SIGKILL mid-save.

Usage: python -m tests.unit.vault_crash_child VAULT_PATH PASSWORD WHERE
WHERE is "write" (killed while the new vault is half written to its temporary file) or "rename" (killed
with the new vault written and fsynced, just before it replaces the old one): the two points a crash
or a power cut can hit.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from core.storage import vault as vault_module
from core.storage.vault import VaultKeyring

NEW_SECRET = "new-secret-that-never-landed"


def _die(*_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(path: Path, password: str, where: str) -> None:
    vault = VaultKeyring.unlock(path, password)
    if where == "write":
        real_fdopen = os.fdopen

        class HalfWrite:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self._file = real_fdopen(*args, **kwargs)

            def __enter__(self) -> HalfWrite:
                return self

            def __exit__(self, *_: Any) -> None:
                self._file.close()

            def write(self, data: bytes) -> None:
                self._file.write(data[: len(data) // 2])
                self._file.flush()
                _die()

        vault_module.os.fdopen = HalfWrite  # type: ignore[assignment]
    else:
        vault_module.os.replace = _die  # type: ignore[assignment]
    vault.set_password("TradeTerm", "smtp/password", NEW_SECRET)
    raise SystemExit("the save returned: the crash point was never reached")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])

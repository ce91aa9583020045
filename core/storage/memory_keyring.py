"""MemoryKeyring: a keyring backend that keeps secrets in this process only, for tests and --self-check."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict, lost when the process exits.

    Its priority is below keyring's fail and null backends, so keyring's automatic selection never
    picks it: it is used only when passed explicitly (or named in PYTHON_KEYRING_BACKEND).
    """

    @properties.classproperty
    def priority(cls) -> float:
        """Return -10: below fail (0) and null (-1), so never chosen automatically."""
        return -10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's __init__ is unannotated
        self._secrets: dict[tuple[str, str], str] = {}
        self._mutex = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored secret, or None."""
        with self._mutex:
            return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store a secret, replacing any previous one."""
        with self._mutex:
            self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Delete a secret; raise PasswordDeleteError if there is none."""
        with self._mutex:
            if self._secrets.pop((service, username), None) is None:
                raise PasswordDeleteError(f"no secret for {username!r} in {service!r}")

"""Which client library each broker kind needs, and which of them the default bundle leaves out.

Shared by the self-check, the About dialog and the PyInstaller spec (installer/tradeterm.spec), so
this module imports nothing but the stdlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Final


@dataclass(frozen=True, slots=True)
class BrokerLibrary:
    """The SDK of one broker kind: its import names, its distribution, and whether the default bundle has it."""

    kind: str
    modules: tuple[str, ...]
    distribution: str | None
    in_default_bundle: bool


BROKER_LIBRARIES: Final[dict[str, BrokerLibrary]] = {
    lib.kind: lib
    for lib in (
        BrokerLibrary("paper", (), None, True),
        BrokerLibrary("ib", ("ib_async",), "ib_async", True),
        BrokerLibrary("email_desk", ("aiosmtplib",), "aiosmtplib", True),
        # kiteconnect pulls Twisted and autobahn; easytrader pulls pandas, lxml and (on Windows) pywinauto.
        BrokerLibrary("kite", ("kiteconnect",), "kiteconnect", False),
        BrokerLibrary("easytrader", ("easytrader",), "easytrader", False),
    )
}


def library_for(kind: str) -> BrokerLibrary:
    """Return the library entry for kind; an unknown kind is taken as SDK-free and in the default bundle."""
    return BROKER_LIBRARIES.get(kind, BrokerLibrary(kind, (), None, True))


def distribution_version(name: str) -> str | None:
    """Return the installed version of a distribution, or None if it is not installed (or not bundled)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None

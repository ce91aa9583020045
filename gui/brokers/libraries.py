"""The broker kinds' client libraries as the About box lists them: each SDK's version, or why it is absent."""

from __future__ import annotations

from core.adapters import registry
from gui.install.bundle import build_info, is_frozen


def broker_library_rows() -> list[tuple[str, str]]:
    """Return (label, version text) for each broker kind's library: its version, or why it is absent."""
    excluded = set(build_info().get("excluded_kinds", []))
    rows = []
    for kind in registry.kinds():
        if kind.sdk_distribution is None:
            continue
        version = kind.sdk_version()
        if version is None:
            version = "not in this build" if is_frozen() or kind.name in excluded else "not installed"
        rows.append((f"{kind.sdk_distribution} ({kind.name})", version))
    return rows

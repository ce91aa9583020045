"""Where the running TradeTerm comes from: a PyInstaller bundle or a Python install; its version and resources.

Imports nothing but the stdlib, so installer/tradeterm.spec can use it at build time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

BUILD_INFO_FILE: Final = "tradeterm-build.json"


def _distribution_version(name: str) -> str | None:
    from importlib import metadata  # imports the e-mail parser and csv: not at start

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """Return the bundle's data folder (sys._MEIPASS) when frozen, else None."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if is_frozen() and base is not None else None


def build_info() -> dict[str, Any]:
    """Return what the build recorded (version, flavor, bundled and excluded kinds); {} when not frozen."""
    base = bundle_dir()
    if base is None:
        return {}
    try:
        loaded = json.loads((base / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def app_version() -> str:
    """Return TradeTerm's version: from the bundle's build record when frozen, else from the installed distribution."""
    recorded = build_info().get("version")
    if isinstance(recorded, str):
        return recorded
    return _distribution_version("tradeterm") or "unknown"


def resources_dir() -> Path:
    """Return the folder holding icons, themes and default settings (bundled, or the repository's resources/)."""
    base = bundle_dir()
    if base is not None:
        return base / "resources"
    return Path(__file__).resolve().parents[2] / "resources"

"""`tradeterm --self-check`: import every adapter and its SDK, open a journal, check the keyring, the vault and Qt.

Runs the same frozen (PyInstaller bundle) and unfrozen. Prints one JSON document; exit status 0 when
all is well, 1 with the reasons under "problems" otherwise. Call it before any QApplication exists.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Final

from core.adapters import registry
from gui.install.bundle import app_version, build_info, is_frozen

_OWN_PACKAGES: Final = frozenset({"core", "gui"})


class Report:
    """The findings of one self-check run: sections, problems (exit 1) and warnings (exit 0)."""

    def __init__(self) -> None:
        self.sections: dict[str, Any] = {}
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def to_json(self) -> dict[str, Any]:
        """Return the JSON summary."""
        return {"ok": not self.problems, "problems": self.problems, "warnings": self.warnings, **self.sections}


def _missing_sdk(exc: ModuleNotFoundError) -> str | None:
    """Return the missing third-party top-level module, or None if the missing module is our own."""
    top = (exc.name or "").partition(".")[0]
    return None if top in _OWN_PACKAGES or not top else top


def check_adapters(report: Report) -> None:
    """Import each registered adapter and its SDK; say which are installed, excluded from this build or broken."""
    info = build_info()
    excluded = set(info.get("excluded_kinds", []))
    bundled = set(info.get("bundled_kinds", []))
    adapters: dict[str, dict[str, Any]] = {}
    for kind in registry.kinds():
        entry: dict[str, Any] = {"module": kind.adapter_module, "sdk": kind.sdk_distribution}
        try:
            for sdk in kind.sdk_modules:
                importlib.import_module(sdk)
            factory = kind.load_factory()
            if not callable(factory):
                raise TypeError(f"{kind.adapter} is not callable")
        except ModuleNotFoundError as exc:
            missing = _missing_sdk(exc)
            if missing is None:
                entry.update(status="error", error=f"{type(exc).__name__}: {exc}")
            elif kind.name in excluded:
                entry.update(status="excluded", missing=missing)
            else:
                entry.update(status="not installed", missing=missing)
        except Exception as exc:
            entry.update(status="error", error=f"{type(exc).__name__}: {exc}")
        else:
            entry.update(status="ok", version=kind.sdk_version())
        adapters[kind.name] = entry
        _judge_adapter(report, kind.name, entry, required=kind.in_default_bundle or kind.name in bundled)
    report.sections["adapters"] = adapters


def _judge_adapter(report: Report, kind: str, entry: dict[str, Any], required: bool) -> None:
    status = entry["status"]
    if status == "error":
        report.problems.append(f"adapter {kind!r} ({entry['module']}) cannot be imported: {entry['error']}")
    elif status == "not installed" and required:
        report.problems.append(
            f"adapter {kind!r} needs the Python package {entry['missing']!r}, which is missing; "
            "reinstall TradeTerm (pip install -e .) or rebuild the bundle"
        )
    elif status == "not installed":
        report.warnings.append(f"adapter {kind!r} is unavailable: install {entry['missing']!r} to use it")


def check_journal(report: Report) -> None:
    """Open a journal in a temporary folder and check it runs in WAL mode with synchronous=FULL."""
    from core.storage.journal import SqliteJournal

    section: dict[str, Any] = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tradeterm-self-check-") as folder,
            SqliteJournal(Path(folder) / "journal.sqlite") as journal,
        ):
            section["journal_mode"] = journal.pragma("journal_mode")
            section["synchronous"] = journal.pragma("synchronous")
            journal.record_audit("self-check", "open", "journal opened by --self-check")
            section["orders"] = len(journal.load().orders)
    except Exception as exc:
        section["error"] = f"{type(exc).__name__}: {exc}"
        report.problems.append(f"a journal cannot be created: {section['error']}")
    else:
        if str(section["journal_mode"]).lower() != "wal":
            report.problems.append(f"the journal runs in {section['journal_mode']!r} mode, not WAL")
        if section["synchronous"] != 2:
            report.problems.append(f"the journal runs with synchronous={section['synchronous']}, not FULL (2)")
    report.sections["journal"] = section


def check_keyring(report: Report) -> None:
    """Describe the keyring backend TradeTerm would use; a plaintext one is a problem, none at all a warning (the
    encrypted vault keeps the secrets then, and check_vault makes sure it works)."""
    from core.storage.secrets import SecretStore

    description = SecretStore().describe_backend()
    report.sections["keyring"] = {
        "backend": description.name,
        "description": str(description),
        "plaintext": description.plaintext,
        "failing": description.failing,
        "persistent": description.persistent,
        **({"detail": description.detail} if description.detail else {}),
    }
    refused = description.name == "none" and os.environ.get("PYTHON_KEYRING_BACKEND")  # a bad or plaintext override
    if refused:
        report.problems.append(f"keyring: {description}")
    elif description.failing:  # no OS keyring: the app keeps secrets in the encrypted vault (check_vault checks it)
        report.sections["keyring"]["secrets_in"] = "encrypted vault"
        report.warnings.append(f"keyring: {description}; secrets are kept in TradeTerm's encrypted vault instead "
                               "(its master password is asked once at start)")
    elif description.plaintext:
        report.problems.append(f"keyring: {description}; unset PYTHON_KEYRING_BACKEND to use the OS keyring")
    elif not description.persistent:
        report.warnings.append(f"keyring: {description}")


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_DEFAULT_PLATFORM: Final = {"linux": "xcb", "win32": "windows", "darwin": "cocoa"}


def _platform_name(configured: str | None) -> str:
    if configured is None:
        return _DEFAULT_PLATFORM.get(sys.platform, "")
    return configured.split(";")[0].split(":")[0].strip()


def _unloadable_plugin(folder: Path, name: str) -> str | None:
    """Return why the platform plugin `name` cannot be loaded (missing file or library), or None if it loads."""
    if not name:
        return None
    candidates = [path for path in folder.glob(f"*q{name}.*") if path.suffix in {".so", ".dll", ".dylib"}]
    if not candidates:
        return f"no plugin file for it in {folder}"
    import ctypes

    try:
        ctypes.CDLL(str(candidates[0]))
    except OSError as exc:
        return f"{candidates[0].name}: {exc}"
    return None


def check_qt(report: Report) -> None:
    """Load Qt's platform plugin: the one configured, or 'offscreen' on a Linux machine with no display."""
    import PySide6
    from PySide6.QtCore import QLibraryInfo, qVersion

    section: dict[str, Any] = {"qt": qVersion(), "pyside6": PySide6.__version__}
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    section["available_platforms"] = sorted(
        path.name.removeprefix("libq").removeprefix("q").partition(".")[0] for path in plugins.glob("*q*.*")
    )
    requested = os.environ.get("QT_QPA_PLATFORM")
    if requested is None and not _display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        report.warnings.append("no display: the Qt check used the 'offscreen' platform")
        desktop = _platform_name(None)
        unloadable = _unloadable_plugin(plugins, desktop)
        section["desktop_platform"] = {"name": desktop, "loads": unloadable is None}
        if unloadable is not None:
            report.warnings.append(f"the desktop platform plugin {desktop!r} would not load: {unloadable}")
    report.sections["qt"] = section
    name = _platform_name(os.environ.get("QT_QPA_PLATFORM"))
    unloadable = _unloadable_plugin(plugins, name)
    if unloadable is not None:
        # Creating the application now would abort the process (qFatal) instead of reporting.
        section["error"] = unloadable
        report.problems.append(f"Qt platform plugin {name!r} cannot be loaded: {unloadable}")
        if requested is None:
            os.environ.pop("QT_QPA_PLATFORM", None)
        return
    try:
        from PySide6.QtGui import QGuiApplication

        app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] or "tradeterm"])
        section["platform"] = QGuiApplication.platformName()
        section["screens"] = len(QGuiApplication.screens())
        from gui.fonts import CjkFont, ensure_cjk_font

        section["cjk_font"] = ensure_cjk_font().value
        if section["cjk_font"] == CjkFont.MISSING:
            report.warnings.append("no font draws Chinese (A-share names show as boxes): install fonts-noto-cjk")
        del app
    except Exception as exc:
        section["error"] = f"{type(exc).__name__}: {exc}"
        report.problems.append(f"Qt cannot start: {section['error']}")
    finally:
        if requested is None:
            os.environ.pop("QT_QPA_PLATFORM", None)


def check_vault(report: Report) -> None:
    """Create, fill and reopen a throwaway encrypted vault: what a machine without an OS keyring relies on."""
    import secrets as random_source

    from core.storage.vault import VaultKeyring

    section: dict[str, Any] = {"kdf": "argon2id", "cipher": "AES-256-GCM"}
    password, value = random_source.token_urlsafe(16), random_source.token_urlsafe(16)
    try:
        with tempfile.TemporaryDirectory(prefix="tradeterm-self-check-") as folder:
            path = Path(folder) / "secrets.vault"
            VaultKeyring.create(path, password).set_password("TradeTerm", "self-check", value)
            works = VaultKeyring.unlock(path, password).get_password("TradeTerm", "self-check") == value
            works = works and value.encode() not in path.read_bytes()
    except Exception as exc:
        section["error"] = f"{type(exc).__name__}: {exc}"
        works = False
    section["works"] = works
    report.sections["vault"] = section
    if not works:
        without_keyring = report.sections.get("keyring", {}).get("secrets_in") == "encrypted vault"
        report.problems.append("the encrypted secrets vault does not work" + (
            f": {section['error']}" if "error" in section else "") + (
            "; with no OS keyring either, TradeTerm cannot keep any secret" if without_keyring else ""))


_CHECKS: Final = (check_adapters, check_journal, check_keyring, check_vault, check_qt)


def run_self_check() -> tuple[int, dict[str, Any]]:
    """Run every check; return the exit status (0 all well, 1 with problems) and the JSON summary."""
    report = Report()
    report.sections["tradeterm"] = {
        "version": app_version(),
        "frozen": is_frozen(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **({"build": build_info()} if is_frozen() else {}),
    }
    for check in _CHECKS:
        try:
            check(report)
        except Exception as exc:
            report.problems.append(f"{check.__name__} crashed: {type(exc).__name__}: {exc}")
            report.sections.setdefault("crashes", []).append(traceback.format_exc())
    return (0 if not report.problems else 1), report.to_json()


def main() -> int:
    """Run the self-check, print the JSON summary on stdout and the problems on stderr; return the exit status."""
    status, summary = run_self_check()
    print(json.dumps(summary, indent=2, sort_keys=False, default=str))
    for problem in summary["problems"]:
        print(f"tradeterm --self-check: {problem}", file=sys.stderr)
    return status

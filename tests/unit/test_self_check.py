"""`--self-check` unfrozen: every adapter and SDK, the journal, the keyring and Qt, and the reasons when one fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.adapters import registry
from core.ports.broker_kind import BrokerKind
from gui import self_check
from gui.self_check import Report, check_adapters, check_journal, check_keyring

ROOT = Path(__file__).resolve().parents[2]
MEMORY_KEYRING = "core.storage.memory_keyring.MemoryKeyring"


def run_check(keyring: str, **extra: str) -> tuple[int, dict[str, object], str]:
    """Run the self-check in its own process, as `tradeterm --self-check` does (it creates a QGuiApplication)."""
    env = {key: value for key, value in os.environ.items() if key not in {"DISPLAY", "QT_QPA_PLATFORM"}}
    env.update(PYTHON_KEYRING_BACKEND=keyring, **extra)
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from gui.self_check import main; sys.exit(main())"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )
    return result.returncode, json.loads(result.stdout), result.stderr


def test_all_is_well_with_every_installed_adapter_a_wal_journal_and_a_working_keyring() -> None:
    status, summary, stderr = run_check(MEMORY_KEYRING)
    assert status == 0, stderr
    assert summary["ok"] is True and summary["problems"] == []
    adapters = summary["adapters"]
    assert set(adapters) == set(registry.available_kinds())
    assert {kind: adapters[kind]["status"] for kind in ("paper", "ib", "email_desk")} == dict.fromkeys(
        ("paper", "ib", "email_desk"), "ok"
    )
    assert adapters["ib"]["sdk"] == "ib_async" and adapters["ib"]["version"].startswith("2.1")
    assert summary["journal"] == {"journal_mode": "wal", "synchronous": 2, "orders": 0}
    assert summary["keyring"]["backend"] == MEMORY_KEYRING and summary["keyring"]["persistent"] is False
    assert any("in memory only" in warning for warning in summary["warnings"])
    assert summary["qt"]["platform"] == "offscreen", "with no display the check falls back to offscreen"
    assert summary["vault"] == {"kdf": "argon2id", "cipher": "AES-256-GCM", "works": True}
    assert summary["tradeterm"]["frozen"] is False


def test_a_plaintext_keyring_fails_the_check_with_the_reason() -> None:
    status, summary, stderr = run_check("keyrings.alt.file.PlaintextKeyring")
    assert status == 1
    assert [problem for problem in summary["problems"] if problem.startswith("keyring:")] != []
    assert "PLAINTEXT" in stderr and "PLAINTEXT" in summary["keyring"]["description"]


def test_without_an_os_keyring_the_check_passes_and_says_the_vault_keeps_the_secrets() -> None:
    status, summary, stderr = run_check("keyring.backends.fail.Keyring")
    assert status == 0, stderr
    assert summary["ok"] is True and summary["problems"] == []
    assert summary["keyring"]["secrets_in"] == "encrypted vault"
    assert "not working" in summary["keyring"]["description"]
    assert any("secrets are kept in TradeTerm's encrypted vault" in warning for warning in summary["warnings"])
    assert summary["vault"]["works"] is True


def test_an_unloadable_qt_platform_is_reported_instead_of_aborting() -> None:
    status, summary, stderr = run_check(MEMORY_KEYRING, QT_QPA_PLATFORM="nosuchplatform")
    assert status == 1
    assert "Qt platform plugin 'nosuchplatform' cannot be loaded" in stderr
    assert "platform" not in summary["qt"]


def test_the_keyring_check_says_when_no_os_keyring_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr("keyring.backend.get_all_keyring", lambda: [])
    report = Report()
    check_keyring(report)
    assert report.sections["keyring"]["failing"] is True
    assert "Secret Service" in report.warnings[0], "the reason says what to install"


def test_a_missing_sdk_of_an_optional_broker_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kiteconnect", None)  # import kiteconnect now raises ModuleNotFoundError
    report = Report()
    check_adapters(report)
    assert report.sections["adapters"]["kite"]["status"] == "not installed"
    assert report.problems == []
    assert any("'kite'" in warning and "kiteconnect" in warning for warning in report.warnings)


def test_a_missing_sdk_of_a_default_broker_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ib_async", None)
    report = Report()
    check_adapters(report)
    assert report.sections["adapters"]["ib"] == {
        "module": "core.adapters.ib.adapter", "sdk": "ib_async", "status": "not installed", "missing": "ib_async"
    }
    assert len(report.problems) == 1 and "'ib'" in report.problems[0] and "ib_async" in report.problems[0]


def test_an_adapter_module_missing_from_the_build_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = BrokerKind("ghost", "Ghost", "core.adapters.ghost.adapter:create", "core.adapters.ghost.config:Config")
    monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, ghost))
    report = Report()
    check_adapters(report)
    assert report.sections["adapters"]["ghost"]["status"] == "error"
    assert any("'ghost'" in problem and "core.adapters.ghost" in problem for problem in report.problems)


def test_an_excluded_broker_is_named_as_left_out_of_this_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "easytrader", None)
    monkeypatch.setattr(self_check, "build_info", lambda: {"excluded_kinds": ["easytrader"]})
    report = Report()
    check_adapters(report)
    assert report.sections["adapters"]["easytrader"]["status"] == "excluded"
    assert report.problems == [] and report.warnings == []


def test_a_journal_that_cannot_be_created_is_a_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the temporary folder should be")
    monkeypatch.setattr("tempfile.tempdir", str(blocked))
    report = Report()
    check_journal(report)
    assert "error" in report.sections["journal"]
    assert report.problems and report.problems[0].startswith("a journal cannot be created")

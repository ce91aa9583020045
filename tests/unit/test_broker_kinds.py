"""The registry's descriptors: account ids and keyring keys as existing installations have them, settings checked
without the SDK, and no broker kind spelled in gui/ outside gui/brokers/."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from core.adapters import registry
from core.adapters.registry import find_kind

MINIMAL: dict[str, dict[str, object]] = {"email_desk": {"desk": "desk@example.com"},
                                         "oanda": {"account": "101-004-1234567-001"}}
GUI = Path(__file__).resolve().parents[2] / "gui"


def test_each_kind_is_listed_once_with_a_display_name() -> None:
    names = [kind.name for kind in registry.kinds()]
    assert sorted(names) == sorted(set(names)) == list(registry.available_kinds())
    assert {"paper", "ib", "kite", "easytrader", "email_desk"} <= set(names)
    assert all(kind.display_name for kind in registry.kinds())


@pytest.mark.parametrize(("kind", "settings", "account_id"), [
    ("ib", {"account": "DU111", "client_id": 3}, "DU111"),
    ("ib", {"client_id": 7}, "IB-7"),
    ("kite", {}, "KITE-1"),
    ("easytrader", {"user": "880012"}, "ET-880012"),
    ("easytrader", {}, "ET-default"),
    ("paper", {}, "PAPER"),
])
def test_account_ids_are_made_as_before(kind: str, settings: dict[str, object], account_id: str) -> None:
    assert find_kind(kind).account_id(settings) == account_id


def test_secrets_keep_the_keyring_keys_existing_installations_use() -> None:
    assert find_kind("kite").secret_key_parts("KITE-1", {}, "api_key") == ("account", "KITE-1", "api_key")
    assert find_kind("easytrader").secret_key_parts("ET-880012", {"user": "880012"}, "password") == (
        "easytrader", "880012", "password")
    assert set(find_kind("kite").secret_fields) == {"api_key", "api_secret", "access_token"}
    assert find_kind("ib").secret_fields == ()


def test_settings_are_checked_without_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in registry.kinds():
        for module in kind.sdk_modules:
            monkeypatch.setitem(sys.modules, module, None)  # importing it now fails
    for kind in registry.kinds():
        package = kind.adapter_module.rpartition(".")[0]
        for module in [m for m in list(sys.modules) if m.startswith(f"{package}.")]:  # imported afresh
            monkeypatch.delitem(sys.modules, module)
        registry.check_settings(kind.name, MINIMAL.get(kind.name, {}))
    with pytest.raises(ValueError, match=r"known kinds: .*ib"):
        registry.check_settings("nosuchbroker", {})


def test_no_broker_kind_is_spelled_in_gui_outside_gui_brokers() -> None:
    names = "|".join(re.escape(kind.name) for kind in registry.kinds())
    pattern = re.compile(rf"[\"']({names}|alpaca|oanda)[\"']")
    found = [f"{path.relative_to(GUI.parent)}:{number}: {line.strip()}"
             for path in sorted(GUI.rglob("*.py")) if "brokers" not in path.relative_to(GUI).parts[:1]
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []

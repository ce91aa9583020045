"""SettingsStore: plain settings saved atomically, never a secret, never overwriting a file it cannot read."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from core.storage import AccountSettings, SettingsError, SettingsStore, looks_like_secret


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "settings.json"


@pytest.fixture
def store(path: Path) -> SettingsStore:
    return SettingsStore(path)


def test_a_missing_file_gives_the_defaults(store: SettingsStore, path: Path) -> None:
    assert store.load() == {"version": 1, "accounts": [], "watchlist": [], "ticket": {"confirm": True}, "window": {}}
    assert store.accounts() == []
    assert store.watchlist() == []
    assert store.confirm_orders() is True
    assert store.window_geometry() is None
    assert not path.exists()


def test_the_typed_accessors_survive_a_restart(store: SettingsStore, path: Path) -> None:
    account = AccountSettings("IB-1", "ib", {"host": "127.0.0.1", "port": 7497, "client_id": 7})
    store.set_accounts([account])
    store.set_watchlist(["AAPL", "INFY", "600519"])
    store.set_confirm_orders(False)
    store.set_window_layout(b"\x01\xd9\xd0\xcb\x00geometry", b"\x00\x00\x00\xffstate")

    again = SettingsStore(path)
    assert again.accounts() == [account]
    assert again.watchlist() == ["AAPL", "INFY", "600519"]
    assert again.confirm_orders() is False
    assert again.window_geometry() == b"\x01\xd9\xd0\xcb\x00geometry"
    assert again.window_state() == b"\x00\x00\x00\xffstate"
    assert json.loads(path.read_text())["version"] == 1


def test_save_and_load_round_trip_the_whole_document(store: SettingsStore) -> None:
    document = {"version": 1, "accounts": [], "watchlist": ["MSFT"], "ticket": {"confirm": True}, "window": {},
                "theme": "dark"}
    store.save(document)
    assert SettingsStore(store.path).load() == document


@pytest.mark.parametrize(
    "key", ["password", "Password", "smtp_password", "smtpPassword", "api_key", "apiKey", "APIKEY", "api-key",
            "api_secret", "access_token", "passphrase", "pin", "trading_pin", "PIN"],
)
def test_save_refuses_a_secret_key_at_any_depth_and_names_it(store: SettingsStore, path: Path, key: str) -> None:
    store.set_watchlist(["AAPL"])
    before = path.read_bytes()
    document = store.load()
    document["accounts"] = [{"id": "KITE-1", "kind": "kite", "settings": {"login": {key: "hunter2"}}}]
    with pytest.raises(SettingsError, match=f"accounts\\[0\\]\\.settings\\.login\\.{key}") as refused:
        store.save(document)
    assert "keyring" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("key", ["spinner", "pinned_symbols", "state_path", "host", "client_id", "shipping"])
def test_ordinary_keys_are_not_mistaken_for_secrets(key: str) -> None:
    assert looks_like_secret(key) is False


def test_a_failed_serialization_leaves_the_old_file_intact(store: SettingsStore, path: Path) -> None:
    store.set_watchlist(["AAPL"])
    before = path.read_bytes()
    with pytest.raises(SettingsError, match="Nothing was written"):
        store.save({"version": 1, "watchlist": ["AAPL"], "limit": Decimal("1.5")})
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary file left behind


def test_a_corrupt_file_is_refused_and_never_overwritten(store: SettingsStore, path: Path) -> None:
    path.write_text('{"version": 1, "watchlist": ["AAPL",')
    before = path.read_bytes()
    with pytest.raises(SettingsError, match="corrupt") as refused:
        store.load()
    assert str(path) in str(refused.value)
    with pytest.raises(SettingsError, match="corrupt"):
        store.save({"version": 1})
    assert path.read_bytes() == before


def test_a_file_from_a_newer_tradeterm_is_refused_and_never_overwritten(store: SettingsStore, path: Path) -> None:
    path.write_text('{"version": 2, "watchlist": ["AAPL"], "new_thing": {}}')
    before = path.read_bytes()
    with pytest.raises(SettingsError, match="newer TradeTerm"):
        store.load()
    with pytest.raises(SettingsError, match="newer TradeTerm"):
        store.save({"version": 1})
    assert path.read_bytes() == before


def test_a_malformed_account_is_reported_by_its_field(store: SettingsStore, path: Path) -> None:
    path.write_text(json.dumps({"version": 1, "accounts": [{"id": "IB-1", "kind": "ib"}, {"id": "X", "kind": 3}]}))
    with pytest.raises(SettingsError, match=r"accounts\[1\]\.kind"):
        store.accounts()


def test_account_ids_must_be_unique(store: SettingsStore) -> None:
    with pytest.raises(SettingsError, match="IB-1"):
        store.set_accounts([AccountSettings("IB-1", "ib"), AccountSettings("IB-1", "paper")])


def test_the_theme_is_light_until_one_is_saved_and_a_saved_one_comes_back(store: SettingsStore, path: Path) -> None:
    assert store.theme() == "light"
    store.set_theme("dark")
    assert json.loads(path.read_text())["theme"] == "dark"
    assert SettingsStore(path).theme() == "dark"


@pytest.mark.parametrize("bad", [3, "", None, ["dark"]])
def test_a_theme_that_is_no_name_is_reported_by_its_key(store: SettingsStore, path: Path, bad: object) -> None:
    path.write_text(json.dumps({"version": 1, "theme": bad}))
    with pytest.raises(SettingsError, match=r"settings\.json: theme: expected a theme name"):
        store.theme()


def test_a_file_with_a_utf8_byte_order_mark_is_read_and_not_rewritten_by_reading(
    store: SettingsStore, path: Path
) -> None:
    """Windows Notepad may write a BOM: harmless, so read past it; only a save rewrites the file (without it)."""
    written = b"\xef\xbb\xbf" + json.dumps({"version": 1, "watchlist": ["MSFT"], "theme": "dark"}).encode()
    path.write_bytes(written)
    assert (store.watchlist(), store.theme()) == (["MSFT"], "dark")
    assert path.read_bytes() == written
    store.set_watchlist(["MSFT", "AAPL"])
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert SettingsStore(path).watchlist() == ["MSFT", "AAPL"]

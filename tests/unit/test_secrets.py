"""SecretStore and MemoryKeyring: secrets in a keyring chosen on purpose, never in a log or an error message."""

from __future__ import annotations

import logging

import keyring.backend
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.compat import properties
from keyring.errors import PasswordSetError

from core.storage import (
    MemoryKeyring,
    SecretStore,
    SecretStoreError,
    choose_backend,
    describe_backend,
    secret_key,
)

SECRET = "s3cr3t-do-not-print"


class _FakeBackend(KeyringBackend):
    """Stores nothing; subclasses pose as other kinds of backend."""

    @properties.classproperty
    def priority(cls) -> float:
        return 5

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"refused {password}")


class FakeOSKeyring(_FakeBackend):
    pass


class FakePlaintextKeyring(_FakeBackend):
    pass


FakePlaintextKeyring.__module__ = "keyrings.alt.file"


# Keep the fakes out of keyring's own automatic selection in every other test of the session.
for _fake in (_FakeBackend, FakeOSKeyring, FakePlaintextKeyring):
    KeyringBackend._classes.discard(_fake)


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(backend=MemoryKeyring())


def test_memory_keyring_gets_sets_and_deletes(store: SecretStore) -> None:
    key = secret_key("account", "IB-1", "password")
    assert key == "account/IB-1/password"
    assert store.get(key) is None
    store.set(key, SECRET)
    assert store.get(key) == SECRET
    store.set(key, "rotated")
    assert store.get(key) == "rotated"
    assert store.delete(key) is True
    assert store.get(key) is None
    assert store.delete(key) is False


def test_secrets_are_kept_per_service() -> None:
    backend = MemoryKeyring()
    SecretStore("TradeTerm", backend).set("smtp/password", SECRET)
    assert SecretStore("TradeTerm-test", backend).get("smtp/password") is None


def test_memory_keyring_never_wins_keyrings_automatic_selection() -> None:
    assert MemoryKeyring.priority < null.Keyring.priority < fail.Keyring.priority
    best = max(keyring.backend.get_all_keyring(), key=keyring.backend.by_priority)
    assert not isinstance(best, MemoryKeyring)


def test_a_secret_value_is_never_logged(store: SecretStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store.set("account/KITE-1/api_secret", SECRET)
    store.get("account/KITE-1/api_secret")
    store.delete("account/KITE-1/api_secret")
    assert "account/KITE-1/api_secret" in caplog.text
    assert SECRET not in caplog.text


def test_a_refused_store_says_which_key_but_not_the_value() -> None:
    store = SecretStore(backend=FakeOSKeyring())
    with pytest.raises(SecretStoreError, match="smtp/password") as refused:
        store.set("smtp/password", SECRET)
    assert SECRET not in str(refused.value)


def test_a_failing_backend_is_described_as_failing_and_its_errors_are_clear() -> None:
    store = SecretStore(backend=fail.Keyring())
    description = store.describe_backend()
    assert description.failing and not description.secure
    assert "keyring.backends.fail.Keyring" in str(description)
    with pytest.raises(SecretStoreError, match="could not read"):
        store.get("api/token")


def test_plaintext_and_memory_backends_are_described_as_such() -> None:
    plaintext = describe_backend(FakePlaintextKeyring())
    assert plaintext.plaintext and not plaintext.secure
    assert "PLAINTEXT" in str(plaintext)
    memory = describe_backend(MemoryKeyring())
    assert not memory.persistent and not memory.secure
    assert describe_backend(FakeOSKeyring()).secure


def test_choose_backend_takes_the_os_keyring_and_never_a_plaintext_or_failing_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    os_keyring = FakeOSKeyring()
    candidates = [fail.Keyring(), FakePlaintextKeyring(), MemoryKeyring(), os_keyring]
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: candidates)
    assert choose_backend() is os_keyring


def test_without_an_os_keyring_choose_backend_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [fail.Keyring(), FakePlaintextKeyring()])
    with pytest.raises(SecretStoreError, match="Secret Service"):
        choose_backend()
    store = SecretStore()
    description = store.describe_backend()
    assert description.failing
    assert "No usable OS keyring" in description.detail
    with pytest.raises(SecretStoreError, match="No usable OS keyring"):
        store.get("smtp/password")


def test_the_keyring_environment_override_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "core.storage.memory_keyring.MemoryKeyring")
    assert isinstance(choose_backend(), MemoryKeyring)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    with pytest.raises(SecretStoreError, match="PYTHON_KEYRING_BACKEND"):
        choose_backend()


@pytest.mark.parametrize("key", ["", "/password", "account//password", " account/x", "account/x "])
def test_malformed_keys_are_refused(store: SecretStore, key: str) -> None:
    with pytest.raises(ValueError, match="secret key"):
        store.get(key)


def test_an_empty_secret_is_refused(store: SecretStore) -> None:
    with pytest.raises(ValueError, match="delete"):
        store.set("smtp/password", "")

"""The encrypted file vault: what a trader without an OS keyring keeps secrets in (core/storage/vault.py)."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core.storage import vault as vault_module
from core.storage.secrets import SecretStore, SecretStoreError, choose_backend
from core.storage.vault import MAGIC, VaultCorrupt, VaultError, VaultKeyring, WrongPassword
from tests.unit.vault_crash_child import NEW_SECRET

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
TOKEN = "tt-3f9a0c5e1b7d42a8-strategy-token"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "secrets.vault"


def _made(path: Path) -> VaultKeyring:
    vault = VaultKeyring.create(path, PASSWORD)
    SecretStore(backend=vault).set("api/strategy/momo", TOKEN)
    return vault


def test_secrets_survive_a_restart_only_with_the_master_password(path: Path) -> None:
    _made(path)
    reopened = SecretStore(backend=VaultKeyring.unlock(path, PASSWORD))
    assert reopened.get("api/strategy/momo") == TOKEN
    reopened.delete("api/strategy/momo")
    assert SecretStore(backend=VaultKeyring.unlock(path, PASSWORD)).get("api/strategy/momo") is None


def test_the_file_cannot_be_read_as_plaintext(path: Path) -> None:
    _made(path)
    data = path.read_bytes()
    for clear in (TOKEN, "api/strategy/momo", "momo", PASSWORD):
        assert clear.encode() not in data, f"{clear!r} is readable in the vault file"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # only its owner can even read the ciphertext


def test_a_wrong_password_is_refused_by_name_and_changes_nothing(path: Path) -> None:
    _made(path)
    before = path.read_bytes()
    with pytest.raises(WrongPassword, match="Wrong master password") as refused:
        VaultKeyring.unlock(path, "correct horse battery!")
    assert str(path) in str(refused.value) and PASSWORD not in str(refused.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda data: data[:-5] + bytes(b ^ 0xFF for b in data[-5:]), "altered or damaged"),
        (lambda data: re.sub(rb'"nonce": "(.)', lambda m: b'"nonce": "' + (b"B" if m[1] != b"B" else b"C"), data),
         "altered or damaged"),
        (lambda data: data[: len(MAGIC) + 20], "header is cut off"),
        (lambda data: b"[TradeTerm]\napi/strategy/momo = " + TOKEN.encode() + b"\n", "not a TradeTerm vault"),
        (lambda data: data.replace(b'"format": 1', b'"format": 9'), "newer TradeTerm"),
    ],
    ids=["ciphertext", "header", "truncated", "not-a-vault", "newer-format"],
)
def test_a_damaged_vault_is_refused_as_damaged_not_as_a_wrong_password(path: Path, damage, says: str) -> None:
    _made(path)
    damaged = damage(path.read_bytes())
    path.write_bytes(damaged)
    with pytest.raises(VaultCorrupt, match=says) as refused:
        VaultKeyring.unlock(path, PASSWORD)
    assert not isinstance(refused.value, WrongPassword)
    assert str(path) in str(refused.value) and "has not changed it" in str(refused.value)
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("where", ["write", "rename"])
def test_a_kill_during_a_save_leaves_the_previous_vault_readable(path: Path, where: str) -> None:
    _made(path)
    child = subprocess.run([sys.executable, "-m", "tests.unit.vault_crash_child", str(path), PASSWORD, where],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    store = SecretStore(backend=VaultKeyring.unlock(path, PASSWORD))
    assert store.get("api/strategy/momo") == TOKEN
    assert store.get("smtp/password") is None
    store.set("smtp/password", NEW_SECRET)  # a temporary file the crash left does not stand in the way
    assert SecretStore(backend=VaultKeyring.unlock(path, PASSWORD)).get("smtp/password") == NEW_SECRET


def test_a_save_that_cannot_be_written_keeps_the_old_secret_everywhere(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = _made(path)
    before = path.read_bytes()

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vault_module.os, "replace", disk_full)
    refusal = re.escape("cannot be written (No space left on device); nothing was changed")
    with pytest.raises(SecretStoreError, match=refusal):
        SecretStore(backend=vault).set("api/strategy/momo", "replacement")
    monkeypatch.undo()
    assert vault.get_password("TradeTerm", "api/strategy/momo") == TOKEN
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_creating_refuses_a_short_password_and_an_existing_vault(path: Path) -> None:
    with pytest.raises(VaultError, match="at least 8 characters"):
        VaultKeyring.create(path, "short")
    assert not path.exists()
    _made(path)
    before = path.read_bytes()
    with pytest.raises(VaultError, match="already exists"):
        VaultKeyring.create(path, "another password")
    assert path.read_bytes() == before


def test_a_plaintext_keyring_named_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    with pytest.raises(SecretStoreError, match="PLAINTEXT keyring, which TradeTerm refuses"):
        choose_backend()
    store = SecretStore()
    assert store.describe_backend().failing
    with pytest.raises(SecretStoreError):
        store.set("smtp/password", "never in a plain file")


def test_the_store_describes_the_vault_as_a_secure_encrypted_file(path: Path) -> None:
    store = SecretStore()
    store.use_backend(VaultKeyring.create(path, PASSWORD))
    description = store.describe_backend()
    assert description.secure and description.vault
    assert "encrypted file vault" in str(description) and str(path) in str(description)

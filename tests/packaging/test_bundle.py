"""The PyInstaller bundle as a trader gets it: it starts, checks itself, draws its window, and carries no secret.

Builds dist/tradeterm/ once (installer/build.sh, into a temporary folder) on a "build machine" whose
keyring file and TradeTerm settings hold planted secrets, then runs the frozen executable offscreen.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from core.storage.vault import VaultKeyring

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 420
DEFAULT_KINDS = {"paper", "ib", "email_desk"}
HEAVY_MODULES = ("pandas", "lxml", "pywinauto", "twisted", "autobahn", "kiteconnect", "easytrader", "alpaca",
                 "keyrings")


def encodings(secret: str) -> tuple[bytes, ...]:
    """Return the forms a secret takes in files: as is, UTF-16 and base64 (keyrings.alt's file format)."""
    return secret.encode(), secret.encode("utf-16-le"), base64.b64encode(secret.encode())


@dataclass(frozen=True)
class Bundle:
    """A built bundle and the secrets planted on the machine that built it."""

    folder: Path
    secrets: tuple[str, ...]
    planted_files: tuple[Path, ...]
    build_log: str

    @property
    def executable(self) -> Path:
        return self.folder / ("tradeterm.exe" if sys.platform == "win32" else "tradeterm")


def _plant_secrets(home: Path) -> tuple[dict[str, str], tuple[str, ...], tuple[Path, ...]]:
    """Put a secret in a file-backed keyring, TradeTerm's settings and its vault, as a developer's machine has."""
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    }
    keyring_secret = f"kr-{secrets.token_hex(12)}"
    settings_secret = f"st-{secrets.token_hex(12)}"
    planted = subprocess.run(
        [sys.executable, "-c",
         "import sys, keyring\n"
         "keyring.set_password('TradeTerm', 'account/IB-1/password', sys.argv[1])\n"
         "print(keyring.get_keyring().file_path)\n"
         "from core.storage.paths import data_paths\n"
         "print(data_paths(None).settings)",
         keyring_secret],
        capture_output=True, text=True, env=env, check=True, cwd=ROOT,
    )
    keyring_file, settings_file = (Path(line) for line in planted.stdout.split())
    settings_file.write_text(json.dumps({
        "version": 1,
        "accounts": [{"id": "IB-1", "kind": "ib", "settings": {"host": "127.0.0.1", "smtp_password": settings_secret}}],
    }))
    (settings_file.parent / "journal.sqlite").write_bytes(b"SQLite format 3\0" + settings_secret.encode() * 4)
    for path, secret in ((keyring_file, keyring_secret), (settings_file, settings_secret)):
        content = path.read_bytes()
        assert any(form in content for form in encodings(secret)), f"the secret was not planted in {path}"
    vault_file = settings_file.parent / "secrets.vault"  # the encrypted vault of a machine without an OS keyring
    VaultKeyring.create(vault_file, "build-machine-master").set_password("TradeTerm", "smtp/password", keyring_secret)
    return env, (keyring_secret, settings_secret), (keyring_file, settings_file, vault_file)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is not installed: run .venv/bin/pip install -e '.[test]'")
    tmp = tmp_path_factory.mktemp("bundle")
    env, planted, files = _plant_secrets(tmp / "home")
    env.update(PYTHON=sys.executable, DIST_DIR=str(tmp / "dist"), BUILD_DIR=str(tmp / "build"))
    built = subprocess.run(["bash", str(ROOT / "installer" / "build.sh")], capture_output=True, text=True,
                           env=env, timeout=BUILD_TIMEOUT, cwd=ROOT)
    assert built.returncode == 0, f"the build failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    yield Bundle(tmp / "dist" / "tradeterm", planted, files, built.stdout + built.stderr)


def run_frozen(bundle: Bundle, *args: str, keyring: str, tmp_path: Path,
               **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the frozen executable offscreen with a clean user environment (no planted files visible)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "XDG_"))}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=keyring, HOME=str(tmp_path / "home"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"), **extra_env)
    return subprocess.run([str(bundle.executable), *args], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path)


MEMORY_KEYRING = "core.storage.memory_keyring.MemoryKeyring"


def test_the_default_bundle_has_the_default_brokers_and_none_of_the_heavy_sdks(bundle: Bundle) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    assert os.access(bundle.executable, os.X_OK)
    info = json.loads((bundle.folder / "_internal" / "tradeterm-build.json").read_text())
    assert info["flavor"] == "default"
    assert set(info["bundled_kinds"]) >= DEFAULT_KINDS
    modules = set(CArchiveReader(str(bundle.executable)).open_embedded_archive("PYZ.pyz").toc)
    assert {"core.adapters.paper.adapter", "core.adapters.ib.adapter", "core.adapters.mail.desk", "qasync",
            "aiosmtplib", "keyring.backends.SecretService", "keyring.backends.chainer", "core.storage.vault",
            "cryptography.hazmat.primitives.kdf.argon2"} <= modules
    bundled_heavy = sorted(name for name in modules if name.split(".")[0] in HEAVY_MODULES)
    assert bundled_heavy == []
    resources = bundle.folder / "_internal" / "resources"
    for name in ("icons/tradeterm-128.png", "themes/light.qss", "themes/dark.qss", "default-settings.json"):
        assert (resources / name).is_file(), f"{name} is not bundled"
    on_disk = {path.name for path in (bundle.folder / "_internal").iterdir()}
    assert not on_disk & set(HEAVY_MODULES)
    assert (bundle.folder / "_internal" / "keyring-25.7.0.dist-info").is_dir() or any(
        name.startswith("keyring-") and name.endswith(".dist-info") for name in on_disk
    ), "keyring finds its backends through its entry-point metadata"


def test_the_default_bundle_stays_under_150_mb(bundle: Bundle) -> None:
    files = [path for path in bundle.folder.rglob("*") if path.is_file() and not path.is_symlink()]
    size = sum(path.stat().st_size for path in files)
    biggest = sorted(files, key=lambda path: path.stat().st_size, reverse=True)[:8]
    assert size < 150 * 2**20, f"the bundle is {size / 2**20:.0f} MB; biggest: " + ", ".join(
        f"{path.relative_to(bundle.folder)} {path.stat().st_size / 2**20:.1f} MB" for path in biggest)


def test_the_frozen_self_check_passes_and_names_what_this_build_left_out(bundle: Bundle, tmp_path: Path) -> None:
    result = run_frozen(bundle, "--self-check", keyring=MEMORY_KEYRING, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True and summary["problems"] == []
    assert summary["tradeterm"]["frozen"] is True
    statuses = {kind: entry["status"] for kind, entry in summary["adapters"].items()}
    assert {kind: statuses[kind] for kind in DEFAULT_KINDS} == dict.fromkeys(DEFAULT_KINDS, "ok")
    for kind in summary["tradeterm"]["build"]["excluded_kinds"]:
        assert statuses[kind] == "excluded"
    assert summary["adapters"]["ib"]["version"].startswith("2.1")
    assert summary["journal"]["journal_mode"] == "wal"
    assert summary["keyring"]["persistent"] is False and summary["keyring"]["plaintext"] is False
    assert summary["vault"]["works"] is True, "a machine without an OS keyring needs the encrypted vault"
    assert summary["qt"]["platform"] == "offscreen" and "xcb" in summary["qt"]["available_platforms"]


def test_the_frozen_self_check_refuses_a_plaintext_keyring_and_says_why(bundle: Bundle, tmp_path: Path) -> None:
    result = run_frozen(bundle, "--self-check", keyring="keyrings.alt.file.PlaintextKeyring", tmp_path=tmp_path)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["ok"] is False and summary["keyring"]["failing"] is True
    assert any(problem.startswith("keyring:") and "cannot be loaded" in problem for problem in summary["problems"])
    assert "cannot be loaded" in result.stderr


def test_the_frozen_self_check_without_an_os_keyring_passes_on_the_bundled_vault(bundle: Bundle,
                                                                                  tmp_path: Path) -> None:
    result = run_frozen(bundle, "--self-check", keyring="keyring.backends.fail.Keyring", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["keyring"]["failing"] is True and summary["keyring"]["secrets_in"] == "encrypted vault"
    assert summary["vault"]["works"] is True, "the frozen build must carry the vault's cryptography"
    assert any("not working" in warning and "encrypted vault" in warning for warning in summary["warnings"])


def test_the_frozen_app_draws_its_trading_window(bundle: Bundle, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    result = run_frozen(bundle, "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot), "--after", "1",
                        keyring=MEMORY_KEYRING, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, f"a part of the window failed to load in the bundle: {result.stderr}"
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1200 and image.height() >= 700
    colors = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colors) > 20, "the window has content, not a blank frame"
    assert (tmp_path / "data" / "journal.sqlite").is_file(), "the frozen app keeps its journal in --data-dir"


def test_the_frozen_app_draws_chinese_names_on_a_machine_without_a_cjk_font(bundle: Bundle, tmp_path: Path) -> None:
    from tests.gui.test_cjk_font import no_cjk_fontconfig

    font = bundle.folder / "_internal" / "resources" / "fonts" / "TradeTermCJK-Regular.otf"
    assert font.is_file() and font.stat().st_size < 2_000_000, "the CJK subset is bundled and stays small"
    result = run_frozen(bundle, "--self-check", keyring=MEMORY_KEYRING, tmp_path=tmp_path,
                        FONTCONFIG_FILE=str(no_cjk_fontconfig(tmp_path)))
    summary = json.loads(result.stdout)
    assert summary["qt"]["cjk_font"] == "bundled", "贵州茅台 would be drawn as boxes"
    assert not any("Chinese" in warning for warning in summary["warnings"])


def test_no_secret_or_user_file_of_the_build_machine_is_in_the_bundle(bundle: Bundle) -> None:
    files = [path for path in bundle.folder.rglob("*") if path.is_file() and not path.is_symlink()]
    assert len(files) > 50
    forms = [form for secret in bundle.secrets for form in encodings(secret)]
    leaks = []
    for path in files:
        content = path.read_bytes()
        leaks += [str(path.relative_to(bundle.folder)) for form in forms if form in content]
    assert leaks == []
    names = {path.name for path in files}
    assert not names & {"settings.json", "journal.sqlite", "keyring_pass.cfg", *(p.name for p in bundle.planted_files)}

"""Chinese names on a machine without a CJK font: the bundled subset draws them instead of boxes.

Each check runs in a fresh process whose fontconfig sees only DejaVu (no CJK), as on a bare Linux.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.fonts import BUNDLED_FONT
from gui.install.bundle import resources_dir

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from PySide6.QtWidgets import QApplication
from gui.fonts import SAMPLE, draws, ensure_cjk_font
app = QApplication([])
print("before", draws(SAMPLE))
print("result", ensure_cjk_font().value)
print("after", draws(SAMPLE))
"""


def no_cjk_fontconfig(tmp_path: Path) -> Path:
    """Write a fontconfig file that knows only the DejaVu fonts."""
    dejavu = next((d for d in (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
                   if d.is_dir()), None)
    if dejavu is None:
        pytest.fail("fonts-dejavu-core is not installed: run scripts/install-system-deps.sh")
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
                      f'<dir>{dejavu}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    return config


def probe(tmp_path: Path, **env: str) -> dict[str, str]:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), **env})
    assert run.returncode == 0, run.stderr
    return dict(line.split(" ", 1) for line in run.stdout.splitlines())


@pytest.mark.skipif(sys.platform != "linux", reason="fontconfig decides the fonts on Linux only")
def test_without_a_system_cjk_font_the_bundled_one_draws_chinese_names(tmp_path: Path) -> None:
    seen = probe(tmp_path, FONTCONFIG_FILE=str(no_cjk_fontconfig(tmp_path)))
    assert seen == {"before": "False", "result": "bundled", "after": "True"}, "贵州茅台 drawn as boxes"


def test_the_bundled_cjk_font_costs_under_two_megabytes_and_carries_its_licence() -> None:
    font = resources_dir().joinpath(*BUNDLED_FONT)
    assert 500_000 < font.stat().st_size < 2_000_000
    assert "SIL Open Font License" in (font.parent / "OFL.txt").read_text(encoding="utf-8")

"""A settings file holding a risk limit the app cannot read is refused at start, naming the file and the field.

TradeTerm before this check saved 1e999 typed into the risk limits dialog as "1E+999", started with it,
and then the dialog raised every time it opened. Now the start is refused (exit 2) and the file is untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRADETERM = Path(sys.executable).with_name("tradeterm")


@pytest.mark.parametrize(
    ("risk", "field", "says"),
    [
        ('{"global": {"max_order_qty": "1E+999"}}', "max_order_qty", "'1E+999' uses exponent notation"),
        ('{"global": {"max_order_qty": 1e999}}', "max_order_qty", "inf is not a finite number"),
        ('{"global": {"collar_pct": "1E-999999999"}}', "collar_pct", "not a number a trade can have"),
        ('{"accounts": {"PAPER-1": {"max_position": "1,000"}}}', "max_position", "has a comma"),
        ('{"global": {"fx_rates": {"INR": "١٢"}}}', "fx_rates.INR", "digits other than 0-9 (type 12)"),
    ],
    ids=["saved-1E+999", "json-number-1e999", "underflow", "comma", "arabic-indic"],
)
def test_a_risk_limit_that_cannot_be_read_refuses_the_start_naming_file_and_field(
    tmp_path: Path, risk: str, field: str, says: str
) -> None:
    settings = tmp_path / "settings.json"
    paper = {"id": "PAPER-1", "kind": "paper", "settings": {"state_path": str(tmp_path / "paper" / "PAPER-1.json")}}
    content = f'{{"version": 1, "accounts": [{json.dumps(paper)}], "risk": {risk}}}\n'
    json.loads(content)  # a valid JSON file: only the number is wrong
    settings.write_text(content, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([str(TRADETERM), "--data-dir", str(tmp_path), "--screenshot", str(tmp_path / "s.png"),
                             "--after", "0"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert str(settings) in result.stderr and f"{field}: " in result.stderr and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert settings.read_text(encoding="utf-8") == content
    assert not (tmp_path / "s.png").exists()

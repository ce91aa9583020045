"""The window talks to a trading session through its facade: `session.view` to read, the session's methods to act.

A view that reaches into `session.oms`, `.portfolio`, `.risk`, `.journal`, `.protection`, `.quotes` or
`.instruments`, or takes an account's adapter, ties itself to how the core is built inside, and skips what
the facade does on the way (the held child's quote check of `move_held`, the view's choice of feed). Only
the composition root (gui/app.py, which builds the session) and the bridge (gui/bridge.py, which feeds the
grids from the session's bus and caches) may. The broker panels (gui/brokers/) are each broker's own unit
and may hold their account's adapter (interactive login, the account chooser).
"""

from __future__ import annotations

import ast
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "gui"
SERVICES = frozenset({"oms", "portfolio", "risk", "journal", "protection", "quotes", "instruments"})
MAY = frozenset({"app.py", "bridge.py"})


def _is_session(node: ast.expr) -> bool:
    """`session`, `self._session`, `window.session`, `self._setup.session`, ...: a name ending in session."""
    if isinstance(node, ast.Name):
        return node.id.lstrip("_") == "session"
    return isinstance(node, ast.Attribute) and node.attr.lstrip("_") == "session"


def reaches_into_session(source: str) -> list[tuple[int, str]]:
    """Return (line, what) for each `<session>.<service>` and `<session>.account(...).adapter` in source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in SERVICES and _is_session(node.value):
            found.append((node.lineno, f"session.{node.attr}"))
        elif (node.attr == "adapter" and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
              and node.value.func.attr == "account" and _is_session(node.value.func.value)):
            found.append((node.lineno, "session.account(...).adapter"))
    return found


def test_the_check_finds_each_way_of_reaching_in() -> None:
    source = ("def f(self, window, session):\n"
              "    self._session.oms.working()\n"
              "    window.session.quotes.latest('A')\n"
              "    session.account(a).adapter.instruments()\n"
              "    self._session.view.position(a, 'A')\n")
    assert reaches_into_session(source) == [(2, "session.oms"), (3, "session.quotes"),
                                            (4, "session.account(...).adapter")]


def test_no_window_module_reaches_past_the_session_facade() -> None:
    offenders = []
    for path in sorted(GUI.rglob("*.py")):
        relative = path.relative_to(GUI)
        if str(relative) in MAY or relative.parts[0] == "brokers":
            continue
        offenders += [f"gui/{relative}:{line}: {what}" for line, what in reaches_into_session(path.read_text())]
    assert offenders == [], "read through session.view and act through the session's methods:\n" + "\n".join(offenders)

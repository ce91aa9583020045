"""A forked child that acts until a planned crash point kills it: the crash benches' one way to die and report."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Final, NoReturn

NOT_KILLED: Final = 17
"""The child's exit code when its crash point never fired (NOT_KILLED + 1: it failed before)."""

ChildMain = Callable[[], Coroutine[Any, Any, None]]


def live_and_die(label: str, main: ChildMain) -> NoReturn:
    """In the forked child: run main; a crash point kills the process inside it, else exit saying why not."""
    code = NOT_KILLED
    try:
        asyncio.run(main())
    except BaseException as exc:  # a child's failure is reported by its exit status
        sys.stderr.write(f"{label}: {exc!r}\n")
        code = NOT_KILLED + 1
    os._exit(code)


def run_child(label: str, main: ChildMain) -> int:
    """Fork a child that runs main and dies at its crash point; return its wait status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        live_and_die(label, main)
    _, status = os.waitpid(pid, 0)
    return status

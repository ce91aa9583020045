"""Client order ids stay unique across a fork: a forked process does not draw its parent's next ids."""

from __future__ import annotations

import os

import pytest

from core.domain import ClientOrderId


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_process_draws_ids_of_its_own() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, " ".join(str(ClientOrderId.generate()) for _ in range(5)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        childs = set(pipe.read().split())
    mine = {str(ClientOrderId.generate()) for _ in range(5)}
    assert len(childs) == 5 and not childs & mine, "the child's ids repeat the parent's"

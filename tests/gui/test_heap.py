"""The window's long-lived objects are exempted from the collector's full passes, which would freeze it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gui.app import _freeze_survivors, freeze_startup_heap


@pytest.fixture
def collector() -> Iterator[None]:
    """Leave the collector as the test found it: no extra callback, nothing frozen, its thresholds."""
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    while _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector can reclaim it


def test_what_survives_a_full_pass_after_startup_is_exempt_from_the_next_and_garbage_is_not(collector: None) -> None:
    freeze_startup_heap()
    freeze_startup_heap()  # a second call installs nothing twice
    assert gc.callbacks.count(_freeze_survivors) == 1
    frozen = gc.get_freeze_count()

    kept = [Node() for _ in range(500)]  # the session's orders, say
    garbage = [Node() for _ in range(500)]
    gc.collect(1)  # both are old now, in the generation only full passes walk
    del garbage  # unreachable cycles: the next full pass must reclaim them, not exempt them
    gc.collect(1)
    assert gc.get_freeze_count() == frozen, "a young pass exempts nothing"
    collected = gc.collect()
    assert collected >= 500
    assert gc.get_freeze_count() >= frozen + 500, "the survivors of the full pass are exempt"
    assert not any(isinstance(o, Node) for o in gc.get_objects()), "no Node is left for the next passes to walk"
    assert len(kept) == 500


def test_a_full_pass_comes_before_the_orders_kept_since_the_last_pile_up(collector: None) -> None:
    """A full pass walks what was kept since the last one; after 4,000 orders that took 34 ms, a freeze (#27)."""
    freeze_startup_heap()
    frozen = gc.get_freeze_count()
    kept = [Node() for _ in range(30_000)]  # the next orders, made without asking the collector for anything
    assert gc.get_freeze_count() > frozen, "no full pass yet: the next one walks all of them at once"
    assert gc.get_freeze_count() < frozen + 30_000, "a full pass came before the 30,000 had all been made"
    assert len(kept) == 30_000

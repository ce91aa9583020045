"""Conflated: the newest value per key since the last drain, for consumers slower than the market."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Conflated(Generic[K, V]):
    """Collect the newest value of every key put since the last `drain()`.

    A consumer slower than the feed (a grid painted 30 times a second, a check worth running once
    per turn of the event loop) takes values here instead of one event per tick: however many ticks
    a key had in between, it sees the latest value once. `wake()` is called when the first value
    arrives after a drain, so the consumer can schedule its next drain.
    """

    __slots__ = ("_changed", "_wake")

    def __init__(self, wake: Callable[[], None]) -> None:
        self._changed: dict[K, V] = {}
        self._wake = wake

    def put(self, key: K, value: V) -> None:
        """Keep value as key's newest; wake the consumer if nothing was waiting."""
        changed = self._changed
        if changed:
            changed[key] = value
        else:
            changed[key] = value
            self._wake()

    @property
    def waiting(self) -> bool:
        """True when values were put since the last drain."""
        return bool(self._changed)

    def take(self) -> dict[K, V]:
        """Return the newest value per key put since the last drain (a dict the caller now owns); start afresh."""
        changed, self._changed = self._changed, {}
        return changed

    def drain(self) -> list[V]:
        """Return the values put since the last drain, in the order their keys first changed; start afresh."""
        changed, self._changed = self._changed, {}
        return list(changed.values())


class ConflatedSources(Generic[K, V]):
    """The views a producer feeds: `conflate(wake)` adds one, `release(view)` removes it."""

    __slots__ = ("views",)

    def __init__(self) -> None:
        self.views: tuple[Conflated[K, V], ...] = ()

    def conflate(self, wake: Callable[[], None]) -> Conflated[K, V]:
        """Return a new view fed from now on."""
        view: Conflated[K, V] = Conflated(wake)
        self.views = (*self.views, view)
        return view

    def release(self, view: Conflated[K, V]) -> None:
        """Stop feeding view."""
        self.views = tuple(v for v in self.views if v is not view)

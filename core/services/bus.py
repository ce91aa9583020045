"""EventBus: typed publish/subscribe on the core's one loop."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from core.domain import Event

log = logging.getLogger(__name__)
E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


class EventBus:
    """Deliver each event to the handlers of its own type, then to those of its base classes.

    Events published while a handler runs are queued and delivered after it, so every handler sees
    events in causal order. A failing handler is logged and never stops delivery to the others.
    """

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = {}
        self._resolved: dict[type[Event], tuple[Handler, ...]] = {}
        self._queue: deque[Event] = deque()
        self._dispatching = False

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call handler for every event of event_type (or a subclass); return an unsubscribe function."""
        self._handlers.setdefault(event_type, []).append(handler)
        self._resolved.clear()

        def unsubscribe() -> None:
            handlers = self._handlers.get(event_type, [])
            if handler in handlers:
                handlers.remove(handler)
                self._resolved.clear()

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver event now, or after the event being delivered when called from a handler."""
        if self._dispatching:
            self._queue.append(event)
            return
        self._dispatching = True
        try:
            handlers = self._resolved.get(type(event))  # _deliver, inlined: a quote a tick comes this way
            for handler in handlers if handlers is not None else self._handlers_for(type(event)):
                try:
                    handler(event)
                except Exception:
                    log.exception("handler %r failed on %s", handler, type(event).__name__)
            queue = self._queue
            while queue:
                self._deliver(queue.popleft())
        finally:
            self._dispatching = False

    def _deliver(self, event: Event) -> None:
        handlers = self._resolved.get(type(event))
        for handler in handlers if handlers is not None else self._handlers_for(type(event)):
            try:
                handler(event)
            except Exception:
                log.exception("handler %r failed on %s", handler, type(event).__name__)

    def _handlers_for(self, event_type: type[Event]) -> tuple[Handler, ...]:
        resolved = self._resolved.get(event_type)
        if resolved is None:
            found: list[Handler] = []
            for base in event_type.__mro__:
                found.extend(self._handlers.get(base, ()))
            resolved = self._resolved[event_type] = tuple(found)
        return resolved

"""EventBus: typed publish/subscribe on the core's one loop."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from core.domain import Event, Quote

log = logging.getLogger(__name__)
E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]
QuotesHandler = Callable[[Sequence[Quote]], None]


class _OneQuote:
    """What `publish(quote)` calls for a quotes handler: the handler with a batch of one."""

    __slots__ = ("handler",)

    def __init__(self, handler: QuotesHandler) -> None:
        self.handler = handler

    def __call__(self, quote: Quote) -> None:
        self.handler((quote,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _OneQuote) and other.handler == self.handler

    def __hash__(self) -> int:
        return hash(self.handler)

    def __repr__(self) -> str:
        return f"{self.handler!r} (quotes)"


class EventBus:
    """Deliver each event to the handlers of its own type, then to those of its base classes.

    Events published while a handler runs are queued and delivered after it, so every handler sees
    events in causal order. A failing handler is logged and never stops delivery to the others.

    Quotes come by the hundred thousand a second, so a consumer of every tick may take them in
    batches (`subscribe_quotes`): a feed hands over what one read of its socket brought with
    `publish_quotes`, and such a consumer gets it in one call instead of one call per quote.
    """

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = {}
        self._resolved: dict[type[Event], tuple[Handler, ...]] = {}
        self._quote_split: tuple[tuple[Handler, ...], tuple[QuotesHandler, ...]] | None = None
        self._queue: deque[Event] = deque()
        self._dispatching = False

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call handler for every event of event_type (or a subclass); return an unsubscribe function."""
        self._handlers.setdefault(event_type, []).append(handler)
        self._forget_resolved()

        def unsubscribe() -> None:
            handlers = self._handlers.get(event_type, [])
            if handler in handlers:
                handlers.remove(handler)
                self._forget_resolved()

        return unsubscribe

    def subscribe_quotes(self, handler: QuotesHandler) -> Callable[[], None]:
        """Call handler with quotes in batches, in order: the quotes of one `publish_quotes` in one call,
        and a quote published alone as a batch of one. Return an unsubscribe function.

        A handler that raises is logged and loses the rest of that batch; the other handlers get it all.
        """
        return self.subscribe(Quote, _OneQuote(handler))

    def publish_quotes(self, quotes: Sequence[Quote]) -> None:
        """Deliver quotes (each exactly a Quote) to every Quote handler, each seeing them in order.

        Handlers subscribed with `subscribe_quotes` take the whole batch first, in one call; every
        other handler of Quote or of a base class then gets them one by one.
        """
        if not quotes:
            return
        if self._dispatching:
            self._queue.extend(quotes)
            return
        split = self._quote_split
        if split is None:
            handlers = self._handlers_for(Quote)
            split = self._quote_split = (
                tuple(h for h in handlers if not isinstance(h, _OneQuote)),
                tuple(h.handler for h in handlers if isinstance(h, _OneQuote)),
            )
        one_by_one, batched = split
        self._dispatching = True
        try:
            for handler in batched:
                try:
                    handler(quotes)
                except Exception:
                    log.exception("handler %r failed on a batch of %d quotes", handler, len(quotes))
            for quote in quotes if one_by_one else ():
                for handler in one_by_one:
                    try:
                        handler(quote)
                    except Exception:
                        log.exception("handler %r failed on Quote", handler)
            queue = self._queue
            while queue:
                self._deliver(queue.popleft())
        finally:
            self._dispatching = False

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

    def _forget_resolved(self) -> None:
        self._resolved.clear()
        self._quote_split = None

    def _handlers_for(self, event_type: type[Event]) -> tuple[Handler, ...]:
        resolved = self._resolved.get(event_type)
        if resolved is None:
            found: list[Handler] = []
            for base in event_type.__mro__:
                found.extend(self._handlers.get(base, ()))
            resolved = self._resolved[event_type] = tuple(found)
        return resolved

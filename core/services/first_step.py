"""Run a coroutine's synchronous start now, do something once it first waits, then await the rest.

An order's bytes reach the broker's socket in the adapter's first, synchronous step (IB: placeOrder, then it
waits for the acknowledgement). What only tells about the order (the views, the strategies' streams, the
notifications) can come after that step instead of before it: `after_first_step`.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


async def after_first_step(coro: Coroutine[Any, Any, T], then: Callable[[], None]) -> T:
    """Await coro, calling `then` once coro first waits (or when it ends or fails without waiting).

    Nothing else runs on the loop between coro's first step and `then`: whatever `then` tells comes before any
    answer to what that step sent.
    """
    try:
        blocked_on = coro.send(None)
    except StopIteration as stop:
        then()
        return stop.value  # type: ignore[no-any-return]
    except BaseException:
        then()
        raise
    then()
    return await resume(coro, blocked_on)


@types.coroutine
def resume(coro: Coroutine[Any, Any, T], blocked_on: Any) -> Generator[Any, Any, T]:
    """Hand a started coro, waiting on blocked_on, to whoever awaits this: every send and throw (cancellation
    too) passes on to coro, as if it had been awaited from its start."""
    try:
        yield blocked_on
    except GeneratorExit:
        coro.close()
        raise
    except BaseException as exc:
        try:
            blocked_on = coro.throw(exc)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        return (yield from resume(coro, blocked_on))
    return (yield from coro)  # type: ignore[no-any-return]

"""The order transition table of DESIGN.md, plus UNKNOWN (a transport error or crash) and its exits."""

from __future__ import annotations

from core.domain.enums import OrderStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.INITIALIZED: frozenset({S.PENDING_APPROVAL, S.SUBMITTED, S.DENIED, S.UNKNOWN}),
    S.PENDING_APPROVAL: frozenset({S.SUBMITTED, S.DENIED, S.EXPIRED, S.CANCELED}),
    S.SUBMITTED: frozenset(
        {S.ACCEPTED, S.REJECTED, S.CANCELED, S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.UNKNOWN}
    ),
    S.ACCEPTED: frozenset(
        {S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE, S.CANCELED,
         S.EXPIRED, S.UNKNOWN}
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE, S.CANCELED, S.EXPIRED,
         S.UNKNOWN}
    ),
    # ACCEPTED / PARTIALLY_FILLED here are the "refused cancel returns to the previous status" exits.
    S.PENDING_CANCEL: frozenset(
        {S.CANCELED, S.PARTIALLY_FILLED, S.FILLED, S.ACCEPTED, S.UNKNOWN}
    ),
    # PENDING_REPLACE -> PENDING_REPLACE: a fill or an acknowledgement does not answer the change, and a
    # change whose fate cannot be told may be asked again.
    S.PENDING_REPLACE: frozenset(
        {S.PENDING_REPLACE, S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.PENDING_CANCEL,
         S.UNKNOWN}
    ),
    S.UNKNOWN: frozenset({S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}),
    S.CANCELED: frozenset({S.FILLED}),  # a late fill is a real-world possibility
    S.FILLED: frozenset(),
    S.REJECTED: frozenset(),
    S.DENIED: frozenset(),
    S.EXPIRED: frozenset(),
}

REOPENABLE: frozenset[S] = frozenset({S.CANCELED, S.REJECTED, S.EXPIRED})
"""Ends that the broker can prove wrong by still working the order: reconciliation reopens such an order
(OrderReopened, back to ACCEPTED or PARTIALLY_FILLED). No other event leaves them, so a late acknowledgement
never silently revives one; FILLED is never reopened (its quantity has filled: reconciliation reports it)."""


def can_transition(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]

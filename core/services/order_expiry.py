"""A GTD order's end must be in the future when the order is made: checked on the session's clock, for every origin."""

from __future__ import annotations

from datetime import datetime

from core.domain import FieldError


def expiry_problem(expire_at: datetime | None, now: datetime) -> FieldError | None:
    """Return why a GTD order ending at expire_at cannot be sent now (its end has passed), or None."""
    if expire_at is None or expire_at > now:
        return None
    shown = expire_at.isoformat(sep=" ", timespec="minutes")
    return FieldError("expire_at", f"The GTD end {shown} has passed: choose a date and time in the future "
                                   "(or another time in force).")

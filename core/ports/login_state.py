"""LoginState: an account that may need a person to log in again (Kite's session ends at 06:00 IST)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class LoginState(Protocol):
    """True in login_required from the moment the broker ends (or has no) session until a login completes."""

    login_required: bool

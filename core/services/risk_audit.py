"""The audit line of a change to the risk limits: who changed which limit from what to what.

The history window's audit trail shows it beside the kill switch, resumes and approvals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

RISK_LIMITS_AUDIT: Final = "risk_limits"
_NONE: Final = "(none)"


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = _NONE if value is None else str(value)
    return flat


def describe_risk_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Return each changed limit as 'scope.field: old -> new', joined by '; ' ('' when nothing changed).

    before and after are RiskConfig.to_dict() documents (global, accounts.<id>, strategies.<id>).
    """
    old, new = _flat(before), _flat(after)
    return "; ".join(f"{name}: {old.get(name, _NONE)} -> {new.get(name, _NONE)}"
                     for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name))

"""What a chaos run reports: its figures, printed as one JSON line (bench/chaos.py collects them)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


class JsonLine:
    """Figures printed as one JSON line (problems cut to the first ten); the IB world's figures use it too.

    For dataclasses with a `problems` list (no field declared here: it would come first in the subclasses)."""

    def line(self) -> str:
        data = asdict(self)  # type: ignore[call-overload]
        data["problems"] = data["problems"][:10]
        return json.dumps(data, sort_keys=False)


@dataclass(slots=True)
class ChaosFigures(JsonLine):
    broker: str
    seed: int
    intents: int = 0
    disconnects: int = 0
    lost: int = 0
    duplicates: int = 0
    mismatches: int = 0
    fill_mismatches: int = 0
    reconcile_alarms: int = 0
    """Reconciliations during the run that found the books different (the account halts until the next one)."""
    reopened: int = 0
    """Orders TradeTerm had ended that a reconciliation or a late look found the broker still working, and reopened
    (each also halted the account, counted in reconcile_alarms, until the trader reconnected)."""
    refused_by_risk: int = 0
    refused_by_broker: int = 0
    refused_while_down: int = 0
    went_unknown: int = 0
    impolite_answers: int = 0
    modifies: int = 0
    modifies_refused: int = 0
    cancels: int = 0
    fills: int = 0
    reconnects: int = 0
    trader_reconnects: int = 0
    days: int = 1
    seconds: float = 0.0
    drops_by_point: dict[str, int] = field(default_factory=dict)
    refusals_by_check: dict[str, int] = field(default_factory=dict)
    final_status: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.mismatches or self.fill_mismatches)

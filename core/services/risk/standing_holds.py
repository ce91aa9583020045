"""Standing holds: the kill switch and disabled strategies hold across a restart, read back from the audit trail.

The session writes an audit entry when the kill switch is pulled or lifted and when a strategy is
disabled or re-enabled; `restore_standing_holds` replays those entries after a restart, so a halt
stays in force until someone lifts it, and says when and by whom it was set.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from decimal import Decimal

from core.domain import AccountId, LogMessage, StrategyDisabled, StrategyId, TradingState
from core.ports.journal import Journal
from core.services.bus import EventBus
from core.services.risk.drawdown import PEAK_AUDIT, RESET_AUDIT, PeakKey, peak_detail, read_peak
from core.services.risk.engine import HoldCause, RiskEngine
from core.services.risk.rolling_drawdown import ROLLING_AUDIT, day_detail, read_day, rolling_set, window_start

log = logging.getLogger(__name__)

KILL_SWITCH_AUDIT = "kill_switch"
RESUME_AUDIT = "resume"
RESUME_ALL = "all accounts"
"""The scope a resume of every account writes first in its audit detail (it lifts the kill switch)."""
DISABLE_STRATEGY_AUDIT = "disable_strategy"
ENABLE_STRATEGY_AUDIT = "enable_strategy"


def disabled_detail(event: StrategyDisabled) -> str:
    """Return the audit detail of a disabled strategy (JSON: its id and why)."""
    return json.dumps({"strategy": str(event.strategy_id), "reason": event.reason})


def restore_standing_holds(journal: Journal, risk: RiskEngine, bus: EventBus) -> None:
    """Pull the kill switch and disable strategies again where nobody lifted them before the restart."""
    _restore_kill_switch(journal, risk)
    _restore_disabled_strategies(journal, risk, bus)
    restore_drawdown_peaks(journal, risk)


def journal_peaks(journal: Journal, risk: RiskEngine) -> None:
    """Have the engine journal each account's equity peak (and each reset) in the audit trail."""

    def record(key: PeakKey, day: date, peak: Decimal, reset: bool) -> None:
        journal.record_audit("risk engine", RESET_AUDIT if reset else PEAK_AUDIT, peak_detail(key, day, peak))

    risk.peaks.record = record

    def record_day(key: PeakKey, day: date, peak: Decimal, close: Decimal, reset: bool) -> None:
        journal.record_audit("risk engine", ROLLING_AUDIT, day_detail(key, day, peak, close, reset))

    risk.rolling.record = record_day


def restore_drawdown_peaks(journal: Journal, risk: RiskEngine) -> None:
    """Take back each account's newest journaled equity peak (or reset) of today, so a drawdown survives a restart."""
    today = risk.today()
    since = datetime.combine(today, time()).astimezone()  # today's peaks are written today: the time index finds them
    for entry in journal.audit_entries((PEAK_AUDIT, RESET_AUDIT), since):
        try:
            key, day, peak = read_peak(entry.detail)
        except ValueError:
            log.warning("audit entry %d (%s) is not readable; skipped", entry.seq, entry.action)
            continue
        if day == today:
            risk.peaks.restore(key, day, peak)
    restore_rolling_days(journal, risk)


def restore_rolling_days(journal: Journal, risk: RiskEngine) -> None:
    """Take back the journaled days of the longest rolling drawdown window set (its days only, by time index)."""
    config = risk.config
    accounts: list[AccountId | None] = [None, *(AccountId(a) for a in config.accounts), *risk.accounts()]
    scopes = [(a, None) for a in accounts] + [(a, StrategyId(s)) for a in accounts for s in config.strategies]
    days = [risk.limits_for(a, s).rolling_drawdown_days for a, s in scopes if rolling_set(risk.limits_for(a, s))]
    if not days:
        return
    first = window_start(risk.today(), max(days))
    since = datetime.combine(first, time()).astimezone()  # local midnight: a day's entries are written on it or later
    for entry in journal.audit_entries((ROLLING_AUDIT,), since):
        try:
            key, day, peak, close, reset = read_day(entry.detail)
        except ValueError:
            log.warning("audit entry %d (%s) is not readable; skipped", entry.seq, entry.action)
            continue
        risk.rolling.restore(key, day, peak, close, reset)


def _restore_kill_switch(journal: Journal, risk: RiskEngine) -> None:
    pulled = journal.latest_audit(KILL_SWITCH_AUDIT)
    if pulled is None:
        return
    lifted = journal.latest_audit(RESUME_AUDIT, f"{RESUME_ALL}:")
    if lifted is not None and lifted.seq > pulled.seq:
        return
    when = pulled.ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED,
              f"Kill switch pulled by {pulled.actor} at {when}, before TradeTerm restarted. Resume trading to lift it.")


def _restore_disabled_strategies(journal: Journal, risk: RiskEngine, bus: EventBus) -> None:
    disabled: dict[str, str] = {}
    for entry in journal.audit_entries((DISABLE_STRATEGY_AUDIT, ENABLE_STRATEGY_AUDIT)):
        if entry.action == ENABLE_STRATEGY_AUDIT:
            disabled.pop(entry.detail, None)
            continue
        try:
            record = json.loads(entry.detail)
            disabled[str(record["strategy"])] = str(record["reason"])
        except (ValueError, KeyError, TypeError):
            log.warning("audit entry %d (%s) is not readable; skipped", entry.seq, entry.action)
    for strategy, reason in disabled.items():
        risk.disable_strategy(StrategyId(strategy), f"{reason} (Disabled before TradeTerm restarted.)")
        bus.publish(LogMessage("ERROR", f"Strategy {strategy} is still disabled since before the restart: "
                                        "re-enable it in Risk limits once checked."))

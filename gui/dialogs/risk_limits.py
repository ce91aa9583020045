"""RiskLimitsDialog: edit the risk limits of every scope, with current usage beside each limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.services.risk import LIMIT_FIELDS, LimitError, RiskConfig, RiskLimits
from core.services.risk.limits import parse_overrides, to_plain

LABELS: Mapping[str, str] = {
    "currency": "Currency of money limits",
    "max_order_qty": "Max order quantity",
    "max_order_notional": "Max order value",
    "collar_pct": "Price collar (% from bid/ask)",
    "collar_ticks": "Price collar (ticks from bid/ask)",
    "max_quote_age_s": "Market orders: max quote age (s)",
    "max_position": "Max position per instrument",
    "max_gross_exposure": "Max gross exposure",
    "daily_loss_limit": "Daily loss: reduce-only beyond",
    "daily_loss_halt": "Daily loss: halt beyond",
    "drawdown_limit": "Drawdown from today's peak: reduce-only beyond",
    "drawdown_halt": "Drawdown from today's peak: halt beyond",
    "drawdown_limit_pct": "Drawdown (% of peak equity): reduce-only beyond",
    "drawdown_halt_pct": "Drawdown (% of peak equity): halt beyond",
    "rolling_drawdown_days": "Drawdown window (days, incl. today)",
    "rolling_drawdown_limit": "Window drawdown: reduce-only beyond",
    "rolling_drawdown_halt": "Window drawdown: halt beyond",
    "rolling_drawdown_limit_pct": "Window drawdown (% of peak equity): reduce-only",
    "rolling_drawdown_halt_pct": "Window drawdown (% of peak equity): halt beyond",
    "duplicate_window_s": "Duplicate window (s)",
    "max_orders_per_second": "Max orders per second",
    "max_orders_per_minute": "Max orders per minute",
    "max_orders_per_window": "Max orders in the rolling window",
    "order_window_h": "Rolling order window (hours, ≤ 168)",
    "max_working_orders": "Max working orders",
    "allowed_symbols": "Allow list (empty: all)",
    "blocked_symbols": "Block list",
    "strategy_max_fills": "Strategy: max fills in window",
    "strategy_fill_window_s": "Strategy: fill window (s)",
    "fx_rates": "FX rates, fixed (CCY=value, …; others: live pairs)",
    "max_buying_power_pct": "Max % of buying power per order",
}

Scope = tuple[str, str | None]
GLOBAL: Scope = ("global", None)
UsageSource = Callable[[str, str | None], Mapping[str, str]]


def _text(value: Any, override: bool = False) -> str:
    """Return a stored value as the text a trader types."""
    if value is None:
        return "off" if override else ""
    if isinstance(value, list | tuple | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else f"{text}."


class RiskLimitsDialog(QDialog):
    """Edit global, per-account and per-strategy limits; Save validates everything, then calls `save`.

    objectName 'riskLimitsDialog'. For each setting <f>: 'riskLimits.<f>' (the edit),
    'riskLimits.<f>.usage' and 'riskLimits.<f>.error'. Also 'riskLimits.scopeCombo',
    'riskLimits.newStrategyEdit', 'riskLimits.addStrategyButton', 'riskLimits.enableStrategyButton',
    'riskLimits.resetDrawdownButton',
    'riskLimits.hintLabel', 'riskLimits.statusLabel', 'riskLimits.saveButton', 'riskLimits.cancelButton'.

    Signals: saved(RiskConfig) after `save` succeeded.
    """

    saved = Signal(object)

    def __init__(
        self,
        config: RiskConfig,
        accounts: Sequence[str],
        save: Callable[[RiskConfig], None],
        usage: UsageSource | None = None,
        strategies: Sequence[str] = (),
        enable_strategy: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
        reset_drawdown: Callable[[str], None] | None = None,
        reset_strategy_drawdown: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("riskLimitsDialog")
        self.setWindowTitle("Risk limits")
        self._save = save
        self._usage = usage
        self._enable_strategy = enable_strategy
        self._resets: dict[str, Callable[[str], None] | None] = {"account": reset_drawdown,
                                                                 "strategy": reset_strategy_drawdown}
        self._texts: dict[Scope, dict[str, str]] = {GLOBAL: self._global_texts(config.global_limits)}
        for account in accounts:
            self._texts[("account", account)] = self._override_texts(config.accounts.get(account, {}))
        for strategy in sorted({*strategies, *config.strategies}):
            self._texts[("strategy", strategy)] = self._override_texts(config.strategies.get(strategy, {}))
        self._scope: Scope = GLOBAL
        self._build()
        self._load_scope(GLOBAL)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._refresh_usage)
        self._timer.start()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.scope_combo = QComboBox(objectName="riskLimits.scopeCombo")
        self._scopes: list[Scope] = list(self._texts)
        for scope in self._scopes:
            self.scope_combo.addItem(self._scope_title(scope))
        self.scope_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.new_strategy_edit = QLineEdit(objectName="riskLimits.newStrategyEdit", placeholderText="Strategy id")
        self.add_strategy_button = QPushButton("Add strategy", objectName="riskLimits.addStrategyButton")
        self.add_strategy_button.clicked.connect(self._on_add_strategy_clicked)
        self.enable_strategy_button = QPushButton("Re-enable strategy", objectName="riskLimits.enableStrategyButton")
        self.enable_strategy_button.clicked.connect(self._on_enable_strategy_clicked)
        self.reset_drawdown_button = QPushButton("Reset drawdown", objectName="riskLimits.resetDrawdownButton")
        self.reset_drawdown_button.clicked.connect(self._on_reset_drawdown_clicked)
        for widget in (QLabel("Limits for"), self.scope_combo, self.new_strategy_edit, self.add_strategy_button,
                       self.enable_strategy_button, self.reset_drawdown_button):
            top.addWidget(widget)
        top.addStretch(1)
        layout.addLayout(top)
        self.hint_label = QLabel(objectName="riskLimits.hintLabel", wordWrap=True)
        layout.addWidget(self.hint_label)
        form = QWidget()
        grid = QGridLayout(form)
        self.edits: dict[str, QLineEdit] = {}
        self.usage_labels: dict[str, QLabel] = {}
        self.error_labels: dict[str, QLabel] = {}
        for row, name in enumerate(LIMIT_FIELDS):
            edit = QLineEdit(objectName=f"riskLimits.{name}")
            edit.textEdited.connect(lambda _text, field=name: self._on_field_edited(field))
            usage = QLabel(objectName=f"riskLimits.{name}.usage")
            error = QLabel(objectName=f"riskLimits.{name}.error", wordWrap=True, visible=False)
            error.setStyleSheet("color: #c62828;")
            grid.addWidget(QLabel(LABELS[name]), 2 * row, 0)
            grid.addWidget(edit, 2 * row, 1)
            grid.addWidget(usage, 2 * row, 2)
            grid.addWidget(error, 2 * row + 1, 1, 1, 2)
            self.edits[name], self.usage_labels[name], self.error_labels[name] = edit, usage, error
        grid.setRowStretch(2 * len(LIMIT_FIELDS), 1)
        grid.setColumnStretch(1, 1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(form)
        layout.addWidget(scroll, 1)
        self.status_label = QLabel(objectName="riskLimits.statusLabel", wordWrap=True)
        self.status_label.setStyleSheet("color: #c62828;")
        layout.addWidget(self.status_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("riskLimits.saveButton")
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("riskLimits.cancelButton")
        buttons.accepted.connect(self._on_save_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 640)

    @staticmethod
    def _scope_title(scope: Scope) -> str:
        kind, key = scope
        return "Global (every account)" if key is None else f"{kind.title()} {key}"

    @staticmethod
    def _global_texts(limits: RiskLimits) -> dict[str, str]:
        return {name: _text(value) for name, value in limits.to_dict().items()}

    @staticmethod
    def _override_texts(overrides: Mapping[str, object]) -> dict[str, str]:
        return {name: _text(to_plain(overrides[name]), override=True) if name in overrides else ""
                for name in LIMIT_FIELDS}

    # --- scopes ---------------------------------------------------------------------------------

    def select_scope(self, kind: str, key: str | None = None) -> None:
        """Show the limits of a scope ("global", "account", "strategy")."""
        if (kind, key) not in self._scopes:
            raise KeyError(f"no {kind} scope {key!r} in the dialog")
        self.scope_combo.setCurrentIndex(self._scopes.index((kind, key)))

    def current_scope(self) -> Scope:
        """Return the scope shown: ("global", None), ("account", id) or ("strategy", id)."""
        return self._scope

    def _on_scope_changed(self, index: int) -> None:
        if 0 <= index < len(self._scopes):
            self._load_scope(self._scopes[index])

    def _load_scope(self, scope: Scope) -> None:
        self._scope = scope
        inherited = self._texts[GLOBAL] if scope != GLOBAL else {}
        for name, edit in self.edits.items():
            edit.setText(self._texts[scope][name])
            empty = "none" if name.endswith("_symbols") else "off"
            edit.setPlaceholderText(f"inherit: {inherited[name] or empty}" if inherited else empty)
        if scope == GLOBAL:
            self.hint_label.setText("Defaults for every account. Leave a field empty to switch that check off.")
        else:
            self.hint_label.setText("Overrides for this scope only. Empty: use the global value; "
                                    "'off': switch the check off here.")
        self.enable_strategy_button.setVisible(scope[0] == "strategy" and self._enable_strategy is not None)
        self.reset_drawdown_button.setVisible(self._resets.get(scope[0]) is not None)
        self.reset_drawdown_button.setToolTip(
            "Count this account's drawdown from its P&L now, and lift its drawdown hold (audited)"
            if scope[0] == "account" else
            "Count this strategy's own drawdown from its P&L now on every account; the accounts' drawdowns and "
            "other strategies' stay as they are (audited)")
        self._show_errors(self._field_errors(scope))
        self._refresh_usage()

    def _on_add_strategy_clicked(self) -> None:
        key = self.new_strategy_edit.text().strip()
        if not key or any(ch.isspace() for ch in key):
            self.status_label.setText("Enter a strategy id without spaces.")
            return
        scope: Scope = ("strategy", key)
        if scope not in self._texts:
            self._texts[scope] = {name: "" for name in LIMIT_FIELDS}
            self._scopes.append(scope)
            self.scope_combo.addItem(self._scope_title(scope))
        self.new_strategy_edit.clear()
        self.select_scope("strategy", key)

    def _on_enable_strategy_clicked(self) -> None:
        kind, key = self._scope
        if kind == "strategy" and key is not None and self._enable_strategy is not None:
            self._enable_strategy(key)
            self._refresh_usage()

    def _on_reset_drawdown_clicked(self) -> None:
        kind, key = self._scope
        reset = self._resets.get(kind)
        if key is not None and reset is not None:
            reset(key)
            self._refresh_usage()

    # --- validation -----------------------------------------------------------------------------

    def _on_field_edited(self, name: str) -> None:
        self._texts[self._scope][name] = self.edits[name].text()
        self.status_label.clear()
        self._show_errors(self._field_errors(self._scope))

    def _raw(self, scope: Scope) -> dict[str, str | None]:
        texts = self._texts[scope]
        if scope == GLOBAL:
            return {name: text.strip() for name, text in texts.items()}
        return {name: text.strip() for name, text in texts.items() if text.strip()}

    def _field_errors(self, scope: Scope) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name, text in self._raw(scope).items():
            try:
                parse_overrides({name: text})
            except LimitError as exc:
                errors[name] = "Enter a value: this check cannot be off." if not text else _sentence(exc.message)
        return errors

    def _show_errors(self, errors: Mapping[str, str]) -> None:
        for name, label in self.error_labels.items():
            message = errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))

    def build_config(self) -> RiskConfig:
        """Return the configuration the fields describe; raise LimitError naming the scope and field."""
        document: dict[str, Any] = {"global": self._raw(GLOBAL), "accounts": {}, "strategies": {}}
        for kind, key in self._texts:
            overrides = self._raw((kind, key))
            if key is not None and overrides:
                document["accounts" if kind == "account" else "strategies"][key] = overrides
        for kind, key in self._texts:
            errors = self._field_errors((kind, key))
            if errors:
                name = next(iter(errors))
                raise LimitError(name, errors[name], kind if key is None else f"{kind} {key}")
        return RiskConfig.from_dict(document)

    def _on_save_clicked(self) -> None:
        try:
            config = self.build_config()
        except LimitError as exc:
            self._show_refusal(exc)
            return
        try:
            self._save(config)
        except Exception as exc:  # the settings file may refuse; the trader must know nothing was saved
            self.status_label.setText(f"Not saved: {exc}")
            return
        self.saved.emit(config)
        self.accept()

    def _show_refusal(self, exc: LimitError) -> None:
        name = exc.field.split(".")[0]
        words = exc.scope.split()
        scope: Scope = (words[0], words[1]) if len(words) > 1 else GLOBAL
        if scope in self._texts:
            self.select_scope(*scope)
        if name in self.error_labels:
            errors = self._field_errors(self._scope)
            errors.setdefault(name, _sentence(exc.message))
            self._show_errors(errors)
            self.edits[name].setFocus()
        self.status_label.setText(f"Not saved — {self._scope_title(self._scope)}, {LABELS.get(name, name)}: "
                                  f"{_sentence(exc.message)}")

    # --- usage ----------------------------------------------------------------------------------

    def _refresh_usage(self) -> None:
        texts = self._usage(*self._scope) if self._usage is not None else {}
        for name, label in self.usage_labels.items():
            label.setText(texts.get(name, ""))

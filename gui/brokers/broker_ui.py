"""BrokerUi: what the GUI adds to one broker kind — its connection panel and the runtime objects its adapter needs.

A kind's panel module is gui/brokers/<kind name>.py and exports `BROKER_UI`, a BrokerUi subclass. A kind
without one gets this base: a generic panel built from its config class and secret fields, and no runtime
objects (docs/adding-a-broker.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from core.ports.broker_kind import BrokerKind
from core.storage.settings import AccountSettings
from gui.brokers.generic import GenericConnectionPanel
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup
    from gui.brokers.runtime import AdapterExtras

PANEL_PACKAGE = "gui.brokers"


class BrokerUi:
    """The GUI side of one broker kind; subclass it in the kind's panel module to give it its own panel."""

    def __init__(self, kind: BrokerKind) -> None:
        self.kind = kind

    def panel(self, setup: AccountsSetup) -> ConnectionPanel | None:
        """Build this kind's connection panel, wired to the set-up; None keeps the kind out of the dialog."""
        panel = GenericConnectionPanel(self.kind, setup.secret_saver(self.kind))
        setup.show_saved(self.kind, panel)
        panel.connect_requested.connect(lambda values: setup.connect(self, panel, values))
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_disconnected("Disconnected.")))
        return panel

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        """Add to values the objects the adapter needs that settings.json must never hold; ValueError if one is
        missing."""

    def connected(self, panel: ConnectionPanel, adapter: object, message: str) -> None:
        """Show on the panel that the account connected and reconciled."""
        panel.set_connected(message)

    def failed(self, panel: ConnectionPanel, exc: BaseException) -> None:
        """Show on the panel why connecting failed."""
        panel.show_error(str(exc))


def broker_ui(kind: BrokerKind) -> BrokerUi:
    """Return the GUI side of kind: its panel module's BROKER_UI, or the generic one if it has no module."""
    module_name = f"{PANEL_PACKAGE}.{kind.name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return BrokerUi(kind)
    ui_class = vars(module).get("BROKER_UI", BrokerUi)
    ui = ui_class(kind)
    if not isinstance(ui, BrokerUi):
        raise TypeError(f"{module_name}.BROKER_UI must be a BrokerUi subclass, not {ui_class!r}")
    return ui

"""Commands from the window to the session facade: orders, trading halts, accounts, risk limits, ticket rows.

The window builds the widgets and wires their signals to these controllers; a controller asks the
session (TradingSession's commands, its `view` for reads) and shows the answer on the widgets it was given.
"""

"""What the window's widgets ask for, carried to the session facade; and the composition root's two sides.

orders, halts, accounts, risk_limits, ticket_rows: the window builds the widgets and wires their signals
to these; each asks the session (TradingSession's commands, its `view` for reads) and shows the answer
on the widgets it was given. mail (notifications and e-mail settings) and strategies (approval queue and
the local strategy API, with their docks) are built by gui/app.py and bolt their docks and actions on.
"""

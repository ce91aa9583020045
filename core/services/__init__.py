"""Services of the core: bus, OMS, portfolio, reconciliation and the session facade."""

"""Where the running TradeTerm comes from: a PyInstaller bundle or a Python install (stdlib only, for the spec)."""

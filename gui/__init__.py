"""TradeTerm's PySide6 user interface: widgets over Qt models; no trading logic."""

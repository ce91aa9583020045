"""Alpaca's trading REST API (and the latest-quote market-data call) on 127.0.0.1, for the real alpaca-py SDK."""

"""The chart dock: candlesticks with volume, live bars, your orders and fills, and chart trading."""

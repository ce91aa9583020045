"""OANDA v20 simulator: REST and the pricing and transaction streams on one 127.0.0.1 port."""

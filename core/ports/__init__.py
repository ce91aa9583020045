"""Protocols the services depend on; adapters and storage implement them."""

"""TradeTerm's trading core: asyncio only, never Qt."""

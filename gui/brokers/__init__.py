"""One module per broker kind (its connection panel and runtime objects), the panels' shared base, and the
generic account set-up driven by core.adapters.registry: the only place in gui/ that names a broker kind."""

"""The price ladder (DOM): a model of price levels at the instrument's tick and the dock widget around it."""

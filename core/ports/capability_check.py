"""has_capability: isinstance against a runtime_checkable capability Protocol, asked once per adapter class.

On Python 3.11 isinstance against a runtime_checkable Protocol walks the Protocol's attributes through its
MRO on every call (about 10 µs each); the order path asks four of them for every order (order types, terms,
products), a quarter of what validating an order costs. Every adapter declares its capabilities in its class
body (methods and class attributes, never set on an instance: see core/adapters/*/adapter.py), so the answer
for a class holds for each of its instances and is remembered per class.
"""

from __future__ import annotations

_ANSWERS: dict[tuple[type, type], bool] = {}


def has_capability(adapter: object, capability: type) -> bool:
    """Return isinstance(adapter, capability), computed once per (adapter class, capability)."""
    key = (type(adapter), capability)
    answer = _ANSWERS.get(key)
    if answer is None:
        answer = _ANSWERS[key] = isinstance(adapter, capability)
    return answer

"""Fixtures the unit tests share: the paper-broker world of the protective orders' tests (held_world.py)."""

from tests.unit.held_world import world as world

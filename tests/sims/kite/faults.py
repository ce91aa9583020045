"""KiteFaults: the impolite answers real Kite gives, each behind a switch (broker-protocols.md, "Real-world answers").

- `modify_refusals`: the share of modifies (0 to 1) that are answered HTTP 200 with the order id and then
  refused by Kite's OMS: the order goes back to OPEN at its old price and quantity, and only the order
  history / postback tells (Kite forum thread 5998).
- `pending_s`: orders linger in OPEN PENDING, MODIFY PENDING and CANCEL PENDING for this long before the
  exchange answers (forum 8676).
- `postback_update`: each postback is preceded by one with status "UPDATE" (Kite sends those for changes that
  are not a new status).
- `postback_duplicates`: each postback arrives twice.
- `postback_reversed`: the postbacks of one batch arrive newest first (out of order).

The input refusals (negative, zero, fractional and over-freeze quantities, off-tick prices, the 10/s, 200/min
and 3,000/day rate limits, unknown routes) are always on, as at Kite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(slots=True)
class KiteFaults:
    modify_refusals: float = 0.0
    pending_s: float = 0.0
    postback_update: bool = False
    postback_duplicates: bool = False
    postback_reversed: bool = False

    @classmethod
    def realistic(cls, seed: int = 0) -> KiteFaults:
        """Return a mix of the faults, chosen by seed, as a day at Kite might bring them."""
        pick = random.Random(seed)
        return cls(modify_refusals=0.3, pending_s=pick.choice((0.0, 0.2, 0.6)),
                   postback_update=pick.random() < 0.5, postback_duplicates=pick.random() < 0.5,
                   postback_reversed=pick.random() < 0.5)

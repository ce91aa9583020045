"""An adapter's unexpected exception: a defect in TradeTerm's adapter, not the broker's answer.

The order it was about is settled as a broker error would settle it (a send's fate unknown: asked of the
broker, never resent; a refused change or cancel put back), so no order is left SUBMITTED or PENDING_CANCEL
for good; and the defect is logged with its traceback, so it is found and fixed.
"""

from __future__ import annotations

import logging

from core.domain import AccountId, ClientOrderId
from core.ports import errors

log = logging.getLogger(__name__)

BROKER_ANSWERS = (errors.BrokerError, OSError, TimeoutError)
"""What a call to the broker raises by design: its refusal, a lost link, no answer in time."""


def note_defect(exc: BaseException, account: AccountId, order: ClientOrderId, doing: str) -> None:
    """Log exc whole if it is not one of the BROKER_ANSWERS (doing: 'sending', 'changing', 'canceling')."""
    if not isinstance(exc, BROKER_ANSWERS):
        log.error("%s: %s order %s failed inside TradeTerm's adapter (%r): the order is settled as if the "
                  "broker's answer were lost; please report this", account, doing, order, exc, exc_info=exc)

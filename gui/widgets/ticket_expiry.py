"""The ticket's GTD end: a date and time in the trader's own time zone, shown only while the time in force is GTD."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import QDateTimeEdit, QHBoxLayout, QLabel, QWidget

Now = Callable[[], datetime]
DISPLAY_FORMAT = "yyyy-MM-dd HH:mm"


class TicketExpiryWidget(QWidget):
    """A GTD order's end, in local time (its zone beside it); hidden, and None, for every other time in force.

    objectName 'orderTicket.expiryRow'; children 'orderTicket.expiryEdit' (QDateTimeEdit) and
    'orderTicket.expiryZone' (the zone's name and UTC offset). Whether the end is in the future is the ticket's
    check (core.services.order_expiry), as it is the session's.

    Events:
        changed(): the trader changed the end.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, now: Now | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket.expiryRow")
        self._now = now or (lambda: datetime.now(UTC))
        self.edit = QDateTimeEdit(objectName="orderTicket.expiryEdit", calendarPopup=True)
        self.edit.setDisplayFormat(DISPLAY_FORMAT)
        self.edit.setToolTip("When the GTD order ends at the broker (your local time)")
        self.zone = QLabel(objectName="orderTicket.expiryZone")
        layout = QHBoxLayout(self, spacing=6)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("until"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.zone)
        self._active = False
        self.edit.dateTimeChanged.connect(lambda _when: self.changed.emit())
        self.setVisible(False)

    def set_active(self, active: bool) -> None:
        """Show the end for a GTD order (a fresh one starts a day ahead, on the hour); hide it for any other."""
        if active and not self._active:
            start = (self._now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
            self.set_expire_at(start)
        local = self._now().astimezone()
        offset = local.strftime("%z")
        self.zone.setText(f"{local.tzname()} (UTC{offset[:3]}:{offset[3:]})")
        self._active = active
        self.setVisible(active)

    def set_expire_at(self, when: datetime) -> None:
        """Show when (any zone) in local time."""
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp())))

    def expire_at(self) -> datetime | None:
        """Return the end as a timezone-aware datetime, or None when the order is not GTD."""
        if not self._active:
            return None
        return datetime.fromtimestamp(self.edit.dateTime().toSecsSinceEpoch(), UTC)

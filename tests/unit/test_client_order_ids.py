"""Our order ids say when they were made: 'T' + UTC yymmddHHMMSS + 7 base-36 characters, in time order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.domain import ClientOrderId


def test_an_id_carries_the_second_it_was_made_in_and_ids_sort_by_it() -> None:
    moments = [datetime(2009, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC),
               datetime(2100, 10, 31, 12, 0, 0, tzinfo=UTC)]
    for moment in moments:
        ids = [ClientOrderId.generate(moment) for _ in range(3)]  # the second's text is made once, then reused
        for made in ids:
            assert re.fullmatch(rf"T{moment.strftime('%y%m%d%H%M%S')}[0-9A-Z]{{7}}", made), made
        assert len(set(ids)) == 3
    start = datetime(2026, 12, 7, 21, 0, 58, tzinfo=UTC)
    made = [ClientOrderId.generate(start + timedelta(seconds=k)) for k in range(4)]
    assert [m[:13] for m in made] == sorted(m[:13] for m in made)
    assert made[2][:13] == "T261207210100"

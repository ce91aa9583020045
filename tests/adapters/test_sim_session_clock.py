"""The simulators run by hand keep the exchange's hours, so an order after hours meets the real broker's refusal."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import pytest
from kiteconnect import KiteConnect
from kiteconnect.exceptions import InputException

from tests.sims.kite.exchange import MARKET_CLOSED
from tests.sims.kite.server import DEMO_API_KEY, DEMO_API_SECRET
from tests.sims.session_clock import follow_hours, nasdaq_open, nse_open


@pytest.mark.parametrize(("utc", "open_"), [
    ("2026-12-07T03:44:00", False),  # Monday 09:14 IST
    ("2026-12-07T03:45:00", True),   # 09:15 IST
    ("2026-12-07T09:59:00", True),   # 15:29 IST
    ("2026-12-07T10:00:00", False),  # 15:30 IST
    ("2026-12-05T05:00:00", False),  # Saturday
])
def test_nse_is_open_from_0915_to_1530_ist_on_weekdays(utc: str, open_: bool) -> None:
    assert nse_open(datetime.fromisoformat(utc).replace(tzinfo=UTC)) is open_


@pytest.mark.parametrize(("utc", "open_"), [
    ("2026-12-07T14:29:00", False),  # Monday 09:29 New York
    ("2026-12-07T14:30:00", True),
    ("2026-12-07T20:59:00", True),   # 15:59
    ("2026-12-07T21:00:00", False),  # 16:00
    ("2026-12-24T18:30:00", False),  # Christmas Eve closes at 13:00
    ("2026-12-25T15:00:00", False),  # Christmas
])
def test_us_stocks_are_open_in_the_regular_session_only(utc: str, open_: bool) -> None:
    assert nasdaq_open(datetime.fromisoformat(utc).replace(tzinfo=UTC)) is open_


async def test_open_and_closed_hold_and_exchange_follows_the_clock() -> None:
    seen: list[bool] = []
    await follow_hours("closed", lambda now: True, seen.append)
    await follow_hours("open", lambda now: False, seen.append)
    assert seen == [False, True]


def test_the_kite_simulator_run_by_hand_refuses_a_regular_order_while_closed() -> None:
    """`python -m tests.sims.kite --hours closed`: a regular order gets Kite's own after-hours refusal."""
    with subprocess.Popen([sys.executable, "-m", "tests.sims.kite", "--hours", "closed"],
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            assert "hours closed" in banner, banner
            root = banner.split("REST ", 1)[1].split()[0]
            kite = KiteConnect(DEMO_API_KEY, root=root)
            kite.set_access_token(_login(root))
            with pytest.raises(InputException) as refused:
                kite.place_order("regular", "NSE", "INFY", "BUY", 1, "CNC", "LIMIT", price=1500)
            assert str(refused.value) == MARKET_CLOSED
        finally:
            process.terminate()


def _login(root: str) -> str:
    """Kite's login as a browser does it: the login page redirects with a request token."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{root}/connect/login?v=3&api_key={DEMO_API_KEY}")
    location = redirect.value.headers["Location"]
    redirect.value.close()
    token = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["request_token"][0]
    session = KiteConnect(DEMO_API_KEY, root=root).generate_session(token, DEMO_API_SECRET)
    return str(session["access_token"])

"""Run the Kite simulator: python -m tests.sims.kite --port PORT --api-key K --api-secret S."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from tests.sims.kite.server import DEMO_API_KEY, DEMO_API_SECRET, KiteSimulator
from tests.sims.session_clock import HOURS_CHOICES, follow_hours, nse_open


async def _serve(args: argparse.Namespace) -> None:
    sim = KiteSimulator(api_key=args.api_key, api_secret=args.api_secret, redirect_url=args.redirect_url,
                        tick_interval_s=args.tick_interval)
    await sim.start(args.port)

    def set_open(is_open: bool) -> None:
        if is_open and not sim.exchange.market_open:
            sim.exchange.open_market()  # after-market orders go to the exchange at the open
        sim.exchange.market_open = is_open

    hours = asyncio.create_task(follow_hours(args.hours, nse_open, set_open))
    print(f"Kite simulator: REST {sim.root}  ticker {sim.ws_root}  login {sim.login_root}  hours {args.hours}",
          flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        hours.cancel()
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sims.kite", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    parser.add_argument("--api-secret", default=DEMO_API_SECRET)
    parser.add_argument("--redirect-url", default="http://127.0.0.1/kite-redirect")
    parser.add_argument("--tick-interval", type=float, default=0.25, help="seconds between ticker frames")
    parser.add_argument("--hours", choices=HOURS_CHOICES, default="exchange",
                        help="exchange: open in NSE's session only (09:15-15:30 IST, Mon-Fri), as Kite is; "
                             "open or closed: always")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

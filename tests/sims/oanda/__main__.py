"""Run the OANDA simulator: python -m tests.sims.oanda --port PORT --token T."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from tests.sims.oanda.server import DEMO_TOKEN, OandaSimulator


async def _serve(args: argparse.Namespace) -> None:
    sim = OandaSimulator(token=args.token, tick_interval_s=args.tick_interval)
    await sim.start(args.port)
    print(f"OANDA simulator: REST and streams at {sim.root}  account {sim.exchange.account_id}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sims.oanda", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--token", default=DEMO_TOKEN)
    parser.add_argument("--tick-interval", type=float, default=0.25, help="seconds between price steps")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

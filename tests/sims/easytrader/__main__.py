"""Run the easytrader simulator: python -m tests.sims.easytrader --port PORT [--user U --password P]."""

from __future__ import annotations

import argparse
import time

from tests.sims.easytrader import EasytraderSimulator


def main() -> None:
    parser = argparse.ArgumentParser(description="easytrader remote server over a simulated A-share broker")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=1430, help="port (default 1430, 0 picks a free one)")
    parser.add_argument("--user", default="880012345678")
    parser.add_argument("--password", default="secret-pass")
    parser.add_argument("--comm-password", default=None)
    args = parser.parse_args()
    sim = EasytraderSimulator(args.host, args.port, args.user, args.password, args.comm_password)
    sim.start()
    print(f"easytrader simulator on {sim.url} (user {args.user}); Ctrl+C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()

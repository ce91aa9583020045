"""Run every benchmark (make bench): tick storm with the vn.py reference, click to wire, kill switch, bulk actions
(cancel-all, flatten, kill switch in the window), a strategy's risk check among its 4,000 working orders, startup,
number fuzzing, history over a million orders, chaos.

Each benchmark prints its own JSON lines; this driver passes them through in one run.
`--smoke` runs tiny sizes (what tests/bench runs to prove the scripts still work).
"""

from __future__ import annotations

import argparse

from bench import (
    bulk_actions,
    chaos,
    click_to_wire,
    fuzz_numbers,
    history,
    kill_switch,
    startup,
    strategy_risk,
    tickstorm,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds not minutes")
    parser.add_argument("--no-vnpy", action="store_true", help="skip the vn.py reference")
    args = parser.parse_args(argv)
    storm = ["--seconds", "0.5", "--symbols", "100", "--rates", "10000", "0"] if args.smoke else []
    tickstorm.main(storm + (["--no-vnpy"] if args.no_vnpy else []))
    click_to_wire.main(["--orders", "20", "--throughput-orders", "50"] if args.smoke else [])
    kill_switch.main(["--orders", "10"] if args.smoke else [])
    bulk_actions.main(["--orders", "40", "--positions", "20"] if args.smoke else [])
    strategy_risk.main(["--orders", "200", "--checks", "20"] if args.smoke else [])
    startup.main(["--runs", "1", "--symbols", "100", "--stream-seconds", "0.3"] if args.smoke else [])
    fuzz_numbers.main(["--inputs", "3000", "--widget-inputs", "50"] if args.smoke else [])
    history.main(["--orders", "3000", "--fills", "500", "--pages", "3"] if args.smoke else [])
    try:  # Kite, easytrader and paper at the default size (IB's chaos is bench/chaos_ib.py, run on its own)
        chaos.main(["--intents", "30", "--disconnects", "5", "--seed", "1"] if args.smoke else [])
    except SystemExit as exit_:
        if exit_.code:
            raise


if __name__ == "__main__":
    main()

"""`tradeterm export`: write the journal's orders, fills, audit trail or FIFO realized P&L to CSV, without a window.

Reads the journal read-only (it may be open in a running TradeTerm meanwhile) and never starts Qt.
Exit 0 when written; 1 when the journal cannot be read or the file cannot be written (nothing is
left behind); 2 for bad arguments (argparse's code), each with a message that says what to do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from core.ports.history import DateRangeError, TimeRange
from core.ports.journal import JournalError
from core.services.history_export import ExportError, ExportKind, export
from core.storage.history_queries import HistoryReader
from core.storage.paths import DataPaths, default_data_dir

_NOUNS = {ExportKind.ORDERS: "order(s)", ExportKind.FILLS: "fill(s)", ExportKind.AUDIT: "audit entr(ies)",
          ExportKind.PNL: "closed trade(s)"}


def _day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tradeterm export", description="Export the journal's history to a CSV file (days in local time).")
    parser.add_argument("--what", required=True, choices=[k.value for k in ExportKind],
                        help="orders, fills, audit (the audit trail) or pnl (realized P&L per closed trade, FIFO)")
    parser.add_argument("--from", dest="first", type=_day, metavar="YYYY-MM-DD",
                        help="first day (default: the start)")
    parser.add_argument("--to", dest="last", type=_day, metavar="YYYY-MM-DD",
                        help="last day, included (default: no end)")
    parser.add_argument("--csv", required=True, metavar="PATH",
                        help="the file to write (replaced whole, or not at all)")
    parser.add_argument("--account", metavar="A", help="one account only (not for audit)")
    parser.add_argument("--data-dir", help="where the journal lives (default: the user data dir)")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    """Run `tradeterm export ARGS`; return the exit code."""
    args = parse(argv)
    try:
        span = TimeRange.of_days(args.first, args.last)
    except DateRangeError as exc:
        print(f"tradeterm export: {exc}", file=sys.stderr)
        return 2
    what = ExportKind(args.what)
    if args.account and what is ExportKind.AUDIT:
        print("tradeterm export: --account does not apply to the audit trail (it is the whole app's); "
              "leave --account out, or export orders, fills or pnl for one account.", file=sys.stderr)
        return 2
    root = default_data_dir() if args.data_dir is None else Path(args.data_dir).expanduser()
    journal = DataPaths(root.absolute()).journal
    try:
        with HistoryReader(journal) as reader:
            written = export(reader, what, span, Path(args.csv).expanduser(), args.account)
    except (JournalError, ExportError) as exc:
        print(f"tradeterm export: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {written} {_NOUNS[what]} to {args.csv}")
    return 0

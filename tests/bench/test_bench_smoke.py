"""Smoke runs of every benchmark at tiny sizes: each script still runs and prints the figures it promises.

Speed is never asserted here (bench/ measures it); only that the JSON lines parse, carry their keys,
and that the grids really painted and orders really reached the wire.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import REPO, parse_lines, python_for_vnpy

STORM_KEYS = {"bench", "variant", "impl", "offered_per_s", "quotes", "absorbed_per_s", "stall_max_ms", "stall_p99_ms",
              "stall_max_cpu_ms", "steal_ms", "staleness_p99_ms", "paints_watchlist", "cpu_s", "peak_rss_mb", "nproc",
              "cpu"}


def _run(*args: str) -> list[dict[str, object]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    records = parse_lines(result.stdout)
    assert records, f"no JSON figure line in: {result.stdout[-2000:]} {result.stderr[-2000:]}"
    return records


def test_tickstorm_feeds_the_real_window_and_both_grids_paint_then_again_with_every_view_open() -> None:
    records = _run("bench.tickstorm", "--rates", "10000", "--seconds", "0.3", "--symbols", "100", "--no-vnpy")
    by_variant = {record["variant"]: record for record in records}
    assert set(by_variant) == {"tradeterm@10k", "tradeterm@10k+every_view"}
    for record in records:
        assert set(record) >= STORM_KEYS
        assert record["bench"] == "tickstorm"
        assert record["quotes"] > 0 and record["watchlist_rows"] == 100 and record["positions_rows"] == 40
        assert record["paints_watchlist"] > 0 and record["paints_positions"] > 0
        assert record["staleness_samples"] > 0
        assert 0 < record["stall_max_cpu_ms"] <= record["stall_max_ms"] + 0.05  # a thread runs no longer than the gap
    assert by_variant["tradeterm@10k"]["views"] == ["watchlist", "positions"]
    assert {"chart", "ladder"} <= set(by_variant["tradeterm@10k+every_view"]["views"])  # type: ignore[arg-type]


@pytest.mark.skipif(python_for_vnpy() is None,
                    reason=".venv-bench (the vn.py reference environment) does not exist; `make bench` creates it")
def test_tickstorm_runs_the_vnpy_reference_on_the_same_input_and_prints_the_ratio() -> None:
    records = _run("bench.tickstorm", "--rates", "0", "--seconds", "0.3", "--symbols", "100")
    by_variant = {record["variant"]: record for record in records}
    assert set(by_variant) == {"tradeterm@max", "tradeterm@max+every_view", "vnpy@max", "ratio@max"}
    assert set(by_variant["vnpy@max"]) >= STORM_KEYS
    assert str(by_variant["vnpy@max"]["impl"]).startswith("vnpy 4.")
    assert by_variant["vnpy@max"]["quotes"] > 0
    assert {"absorbed_ratio", "stall_max_ratio", "staleness_p99_ratio"} <= set(by_variant["ratio@max"])


def test_diff_profile_profiles_each_click_to_wire_phase_and_compares_two_runs(tmp_path: Path) -> None:
    out = tmp_path / "profile"
    phases = _run("bench.diff_profile", "run", str(out), "--orders", "3", "--throughput-orders", "10")
    names = [str(phase["phase"]) for phase in phases]
    assert names[-3:] == ["3-click-PAPER-1", "4-sustained-1", "5-sustained-64"]
    assert all((out / f"{name}.prof").is_file() for name in names)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "bench.diff_profile", "diff", str(out), str(out), "3-click-PAPER-1",
               "--by", "file", "--top", "1000"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "gui/widgets/order_ticket.py" in result.stdout  # the ticket's own file, named alike in every checkout


def test_click_to_wire_reaches_the_tws_simulator_and_the_paper_ack() -> None:
    records = _run("bench.click_to_wire", "--orders", "8", "--throughput-orders", "20")
    by_variant = {f"{record['variant']}{record.get('in_flight', '')}{record.get('sim_priority', '')}": record
                  for record in records}
    assert set(by_variant) == {"ticket->ibnormal", "ticket->ibrealtime", "ticket->paper", "sustained->paper1",
                               "sustained->paper64", "cancel_all->paper"}
    canceled = by_variant["cancel_all->paper"]
    assert canceled["working"] == canceled["asked"] >= 8 + 40 and canceled["still_working"] == 0
    for ib in (by_variant["ticket->ibnormal"], by_variant["ticket->ibrealtime"]):
        if "skipped" in ib:  # the simulator may not get real-time priority: the record says why
            assert ib["sim_priority"] == "realtime" and "refused" in str(ib["skipped"])
            continue
        assert ib["orders"] == 8 and ib["wire_stamps"] == 8 and ib["refused"] == 0, ib  # a refusal says why
        assert {"click_to_wire_p99_ms", "click_to_socket_p99_ms", "click_to_ack_p99_ms"} <= set(ib)
        assert {"journal_commit_p99_ms", "bare_fdatasync_p99_ms", "click_to_wire_minus_commit_p99_ms"} <= set(ib)
        assert ib["journal_commit_p50_ms"] > 0 and ib["bare_fdatasync_p50_ms"] > 0  # each order's commit was timed
        assert ib["click_to_socket_cpu_minus_commit_p50_ms"] > 0  # the path's own CPU, each click to its bytes
    paper = by_variant["ticket->paper"]
    assert paper["orders"] == 8 and paper["refused"] == 0, paper
    assert {"journal_commit_p99_ms", "bare_fdatasync_p99_ms", "click_to_ack_minus_commit_p99_ms"} <= set(paper)
    for sustained in (by_variant["sustained->paper1"], by_variant["sustained->paper64"]):
        assert sustained["orders"] == sustained["accepted"] == 20 and sustained["orders_per_s"] > 0


def test_bulk_actions_cancel_flatten_and_kill_in_the_window_and_every_one_is_acknowledged() -> None:
    records = _run("bench.bulk_actions", "--orders", "40", "--positions", "20")
    by_variant = {record["variant"]: record for record in records}
    assert set(by_variant) == {"cancel_all", "flatten", "kill_switch", "flatten_after_kill_switch"}
    assert [(r["orders"], r["positions"], r["acked"]) for r in by_variant.values()] == [
        (40, 0, 40), (0, 20, 20), (40, 0, 40), (0, 20, 20)]
    assert all(float(str(r["stall_max_cpu_ms"])) > 0 and float(str(r["all_acked_ms"])) > 0 for r in records)
    assert all(float(str(r["gui_cpu_ms"])) >= float(str(r["stall_max_cpu_ms"])) for r in records)


def test_strategy_risk_times_a_strategy_orders_checks_among_its_working_orders() -> None:
    records = _run("bench.strategy_risk", "--orders", "200", "--checks", "20")
    by_figure = {str(record["figure"]): record for record in records}
    assert set(by_figure) == {"strategy_gross_cap", "strategy_position_cap", "account_only", "sums_update"}
    for figure in ("strategy_gross_cap", "strategy_position_cap", "account_only"):
        record = by_figure[figure]
        assert record["bench"] == "strategy_risk" and record["working"] == 200 and record["checks"] == 20
        assert 0 <= record["cpu_ms_p50"] <= record["cpu_ms_max"]  # type: ignore[operator]
    assert by_figure["sums_update"]["cpu_us_per_update"] > 0  # type: ignore[operator]


def test_kill_switch_reaches_tws_in_one_message_and_cancels_every_order() -> None:
    records = _run("bench.kill_switch", "--orders", "5")
    by_variant = {record["variant"]: record for record in records}
    assert set(by_variant) == {"bulk", "one_by_one"}
    assert by_variant["bulk"]["ib_messages"] == 1 and by_variant["one_by_one"]["ib_messages"] == 5
    for record in records:
        assert record["paper_orders"] == record["ib_orders"] == 5
        assert {"to_wire_p99_ms", "ib_to_wire_p99_ms", "paper_canceled_p99_ms", "all_confirmed_ms"} <= set(record)


def test_startup_reports_first_paint_and_memory() -> None:
    (record,) = _run("bench.startup", "--runs", "1", "--symbols", "50", "--stream-seconds", "0.2")
    assert record["bench"] == "startup" and record["runs"] == 1
    assert {"first_paint_median_ms", "rss_idle_mb", "rss_streaming_mb", "peak_rss_mb"} <= set(record)
    assert record["bytecode_cache"] is True and record["first_paint_cpu_median_ms"] > 0
    assert record["streamed_quotes"] > 0


def test_fuzz_numbers_feeds_the_ticket_and_the_api_parser_and_finds_nothing_accepted_wrongly() -> None:
    (record,) = _run("bench.fuzz_numbers", "--inputs", "3000", "--widget-inputs", "50", "--seed", "1")
    assert record["bench"] == "fuzz_numbers" and record["inputs"] == 3000
    assert (record["crashes"], record["accepted_suspicious"], record["refused_plain"]) == (0, 0, 0)
    assert record["accepted"] > 0 and record["refused"] > 0 and record["widget_inputs"] == 50
    assert set(record["by_kind"]) >= {"json", "plain", "mutated", "grouped", "other_script", "exponent", "random"}


def test_crash_points_kills_at_every_point_and_resolves_each_run() -> None:
    (record,) = _run("bench.crash_points", "--runs", "2", "--seed", "7")
    assert record["bench"] == "crash_points" and record["runs_per_point"] == 2
    points = record["points"]
    assert isinstance(points, dict) and len(points) == 16
    assert {"modify_before_send", "modify_after_send", "approval_before_send", "flatten_after_send",
            "api_intake_before_key", "api_intake_after_key", "api_intake_after_send"} <= set(points)
    assert all(p["not_killed"] == 0 and p["resolved"] == 2 for p in points.values()), points
    assert (record["resolved_pct"], record["duplicates"], record["blind_resubmits"]) == (100.0, 0, 0)


def test_chaos_prints_one_line_per_broker_with_nothing_lost() -> None:
    records = _run("bench.chaos", "--intents", "24", "--disconnects", "4", "--seed", "3")
    assert [r["bench"] for r in records] == ["chaos_kite", "chaos_easytrader", "chaos_paper", "chaos_alpaca",
                                            "chaos_oanda"], records
    for record in records:
        assert record["intents"] >= 24 and record["disconnects"] >= 3, record  # an unused cut: not counted
        assert (record["lost"], record["duplicates"], record["mismatches"], record["fill_mismatches"]) == (0, 0, 0, 0)
        assert {"refused_by_risk", "went_unknown", "modifies", "cancels", "seconds"} <= set(record)


def test_symbol_search_types_into_the_real_popup_and_times_every_query() -> None:
    records = _run("bench.symbol_search", "--instruments", "500", "--repeat", "1")
    assert {r["list"] for r in records} == {"paper", "kite"}
    for record in records:
        assert record["bench"] == "symbol_search" and record["keystroke_to_results_p50_ms"] > 0, record
    by_query = {(r["list"], r["query"]): r for r in records}
    assert by_query[("paper", "ZZZQQ")]["results"] == 0 and by_query[("kite", "BANKNIFTY")]["results"] == 50
    assert by_query[("kite", "CRUDE")]["results"] == 1 and by_query[("kite", "BANKNIFTY")]["instruments"] >= 500


def test_history_times_every_page_figure_over_a_generated_journal() -> None:
    records = _run("bench.history", "--orders", "3000", "--fills", "400", "--pages", "3")
    figures = {str(record["figure"]): record for record in records}
    assert {"build_journal", "first_page", "next_page", "filter:status_rejected", "filter:text_search_no_match",
            "fills_first_page", "commission_totals_30_days", "export_orders_30_days", "view_first_page"} <= set(figures)
    assert all(record["bench"] == "history" and record["orders"] == 3000 for record in records)
    assert figures["first_page"]["rows"] == 200 and figures["next_page"]["pages"] == 3
    assert figures["export_orders_30_days"]["rows"] > 0


def test_journal_commit_counts_the_pages_and_statements_of_an_orders_commit() -> None:
    (record,) = _run("bench.journal_commit", "--commits", "20", "--pace", "0")
    assert record["bench"] == "journal_commit" and record["commits"] == 20
    assert record["statements_per_commit"] == 4, record  # BEGIN, the order, its event, COMMIT
    # one page per b-tree a new order changes in a fresh journal: the order, 6 of its indexes, its event and that
    # index (format 11: no sqlite_sequence page)
    assert record["wal_pages_per_commit"] == 9, record
    assert record["commit_cpu_p50_ms"] > 0 and record["bare_fdatasync_p50_ms"] > 0


def test_sustained_core_sends_every_order_through_risk_journal_and_paper_one_at_a_time_and_in_flight() -> None:
    records = _run("bench.sustained_core", "--orders", "30", "--rounds", "1")
    assert [(r["bench"], r["in_flight"]) for r in records] == [("sustained_core", 1), ("sustained_core", 64)]
    for record in records:
        assert record["accepted"] == record["orders"] == 30, record  # every order reached the paper book
        assert record["cpu_ms_per_order"] > 0 and 0 <= record["sys_ms_per_order"] <= record["cpu_ms_per_order"], record
        assert record["orders_per_s"] > 0


def test_sustained_core_runs_in_the_data_folder_it_is_given_and_leaves_nothing_there(tmp_path: Path) -> None:
    records = _run("bench.sustained_core", "--orders", "10", "--rounds", "1", "--data-dir", str(tmp_path))
    assert [r["data_dir"] for r in records] == [str(tmp_path)] * 2
    assert all(r["accepted"] == 10 for r in records), records
    assert list(tmp_path.iterdir()) == []  # its journal and paper account went with the run


def test_ladder_times_a_repaint_a_depth_storm_and_clicks_to_the_tws_simulator() -> None:
    records = _run("bench.ladder", "--repaints", "20", "--storm-seconds", "0.5", "--clicks", "3",
                   "--ticket-clicks", "2")
    by_bench = {str(r["bench"]): r for r in records}
    assert set(by_bench) == {"ladder_repaint", "ladder_click_to_wire", "ladder_ticket_control", "ladder_depth_storm"}
    assert by_bench["ladder_repaint"]["visible_levels"] >= 40 and by_bench["ladder_repaint"]["repaint_p50_ms"] > 0
    clicks = by_bench["ladder_click_to_wire"]
    assert clicks["clicks"] == clicks["wire_stamps"] == 3 and clicks["refused"] == 0, clicks
    assert clicks["hops_stamped"] == 3 and clicks["hop_ladder_p50_ms"] > 0 and clicks["hop_adapter_p50_ms"] > 0, clicks
    assert clicks["journal_commit_cpu_p50_ms"] > 0, clicks
    assert clicks["click_to_socket_cpu_minus_commit_p50_ms"] > 0 and clicks["hop_ladder_cpu_p50_ms"] > 0, clicks
    ticket = by_bench["ladder_ticket_control"]  # the ticket's path, clicked as idle as the ladder's
    assert ticket["clicks"] == ticket["hops_stamped"] == 2 and ticket["hop_adapter_p50_ms"] > 0, ticket
    storm = by_bench["ladder_depth_storm"]
    assert storm["paints"] > 0 and storm["depth_per_s_sent"] > 0, storm


def test_chart_live_bar_paints_each_update_of_the_newest_bar_and_draws_only_it() -> None:
    (record,) = _run("bench.chart", "--only-live-bar", "--live-updates", "10")
    assert record["figure"] == "chart.live_bar" and record["updates"] == 10
    assert record["candle_paints"] == 10 and record["candles_drawn_per_paint"] <= 2
    assert float(record["cpu_mean_ms"]) > 0  # type: ignore[arg-type]


def test_chart_idle_follows_ibs_kept_bar_in_the_real_window_and_prices_an_update() -> None:
    (record,) = _run("bench.chart_idle", "--seconds", "0.6", "--rounds", "1")
    assert record["bench"] == "chart_idle"
    assert float(record["chart_updates_per_s"]) > 0  # type: ignore[arg-type]  # the simulator's quotes moved the bar
    assert {"cpu_ms_per_33ms_live", "cpu_ms_per_33ms_frozen", "chart_cpu_ms_per_update"} <= set(record)

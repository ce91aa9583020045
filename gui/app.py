"""Composition root: build the core services and adapters, the main window, and run the event loop."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core.adapters.registry import create_adapter
from core.domain import AccountId, utc_now
from core.ports.errors import AccountStateError
from core.ports.journal import JournalError
from core.services.bus import EventBus
from core.services.journal_check import check_journal_later
from core.services.log_redaction import SECRETS
from core.services.log_redaction import install as install_redaction
from core.services.session import TradingSession
from core.services.strategy_api.token import RETIRED_ENV_VAR as API_TOKEN_ENV
from core.storage.found_instruments import FILE_NAME as FOUND_INSTRUMENTS
from core.storage.found_instruments import FoundInstruments
from core.storage.idempotency import IdempotencyError, IdempotencyStore
from core.storage.journal import SqliteJournal
from core.storage.outbox import OutboxError
from core.storage.paths import DataDirError, data_paths
from core.storage.secrets import SecretStore
from core.storage.settings import MAX_PORT, SettingsError, SettingsStore
from core.storage.watchlists import WATCHLISTS_FILE, WatchlistStore
from gui.brokers.account_removal import AccountRemoval
from gui.brokers.account_setup import AccountsSetup
from gui.brokers.libraries import broker_library_rows
from gui.brokers.paper import DEFAULT_PROFILE, PROFILES, default_accounts
from gui.brokers.relogin import ReloginPrompt
from gui.brokers.runtime import AdapterExtras
from gui.controllers.account_drawdown import AccountDrawdownController
from gui.controllers.alerts import AlertsSetup
from gui.controllers.chart import ChartDocks
from gui.controllers.columns import GridColumnsSetup
from gui.controllers.history_action import HistoryAction
from gui.controllers.journal_damage import JournalDamageBanner
from gui.controllers.mail import MailSetup
from gui.controllers.market_hours import MarketHoursController
from gui.controllers.pnl_curve import PnlCurveDocks
from gui.controllers.secrets import AskVault, SecretsSetup, ask_with_dialog
from gui.controllers.strategies import StrategySetup
from gui.controllers.symbol_search import SymbolSearchController
from gui.first_paint import AfterFirstPaint
from gui.fonts import CjkFont, ensure_cjk_font
from gui.install.bundle import resources_dir
from gui.log_file import close_log_file, open_log_file
from gui.quit_signals import QuitOnSignals
from gui.startup_config import load_startup_config
from gui.widgets.main_window import MainWindow

if TYPE_CHECKING:
    from core.ports.history import HistoryQueries

log = logging.getLogger("tradeterm")

STRATEGY_API_FILE = "strategy_api.sqlite"
STARTUP_ERRORS = (DataDirError, SettingsError, JournalError, IdempotencyError, OutboxError, AccountStateError)
"""What a start refuses with a message naming the file (and field) and exit 2: never a traceback."""
FREEZE_AFTER_MS = 2000


def create_main_window(
    data_dir: str | Path | None = None, profile: str = DEFAULT_PROFILE, connect: bool = True,
    api_port: int | None = None, ask_vault: AskVault | None = None,
) -> MainWindow:
    """Build the whole application in-process (a QApplication and a running qasync loop must exist).

    Without a usable OS keyring, `ask_vault` is asked once for the encrypted vault (None: no one to ask, as
    with --screenshot); without either, a banner says secrets cannot be stored and what to do.

    Raises one of STARTUP_ERRORS, naming the file (and the field), when the data directory cannot be used.
    """
    collecting = gc.isenabled()
    gc.disable()  # see _build_main_window's note
    try:
        window = _build_main_window(data_dir, profile, connect, api_port, ask_vault)
    except BaseException:
        if collecting:
            gc.enable()
        raise
    if collecting:
        AfterFirstPaint(window, gc.enable)
        window.shutdown_hooks.insert(0, _resume_collection)  # a window shut before it was ever painted
    return window


async def _resume_collection() -> None:
    gc.enable()


def _build_main_window(data_dir: str | Path | None, profile: str, connect: bool, api_port: int | None,
                       ask_vault: AskVault | None) -> MainWindow:
    """create_main_window's work, with the garbage collector paused by it until the window's first paint.

    The build and the first paint make some 100,000 objects that live as long as the window and almost no
    garbage; Python's collector walked them some 20 times, a full pass among them (20 ms of the start's
    550 ms of CPU, 40 ms with a long journal). Automatic collection resumes in the turn after the first paint
    (or after a refused start); freeze_startup_heap then exempts them for good.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(False)  # the loop ends after shutdown(), not when Qt sees no window
    paths = data_paths(str(data_dir) if data_dir is not None else None)
    settings = SettingsStore(paths.settings)
    config = load_startup_config(settings, default_accounts(paths.paper), api_port, started_at=utc_now())
    journal = SqliteJournal(paths.journal)
    opened: list[Callable[[], object]] = [journal.close]
    try:
        intake = IdempotencyStore(paths.root / STRATEGY_API_FILE)
        opened.append(intake.close)
        journal.adopt_intake_keys(intake.legacy_keys())  # the keys an older TradeTerm kept there
        bus = EventBus()
        session = TradingSession(bus, journal, risk=config.risk)
        secrets = SecretStore()
        secrets_setup = SecretsSetup(secrets, paths.root)
        mail = MailSetup(settings, paths.root, bus, session.portfolio, secrets)
        opened.append(mail.outbox.close)
        extras = AdapterExtras(secrets, mail, paths.root / "cache")
        for index, account in enumerate(config.accounts):
            try:
                adapter = create_adapter(account.kind, AccountId(account.id), extras(account), bus.publish,
                                         bus.publish_quotes)
            except AccountStateError:
                raise
            except ValueError as exc:  # its settings passed their checks: what is missing is outside them
                raise SettingsError(f"{settings.path}: accounts[{index}] (account {account.id}): {exc}") from None
            session.add_account(adapter)
        if not config.accounts_saved:  # only once the start is sure: a refused start leaves settings.json as it was
            settings.set_accounts(config.accounts)
    except BaseException:
        for close in reversed(opened):  # a refused start leaves no lock held and no file open
            close()
        raise
    log_file = open_log_file(paths.logs)
    window = MainWindow(session, settings, watchlists=WatchlistStore(paths.root / WATCHLISTS_FILE))
    mail.notifications.funds_of = session.funds.all_latest  # per-account funds totals in the daily summary
    mail.notifications.held_of = session.protection.children  # held stops/targets in the daily summary
    window.add_tool_action("About", "action.about", "Ctrl+Shift+A", lambda: _about(window))
    window.add_tool_action("E-mail settings…", "action.emailSettings", "Ctrl+Shift+E",
                           lambda: mail.open_settings_dialog(window))
    window.shutdown_hooks.append(mail.close)
    connections = AccountsSetup(window, session, settings, bus, extras)
    removal, relogin = AccountRemoval(connections), ReloginPrompt(connections)
    window.keep_alive += [mail, connections, removal, relogin]  # Qt holds slots of plain objects weakly
    window.accounts_panel.edit_requested.connect(connections.open_dialog)
    window.accounts_panel.remove_requested.connect(removal.ask)
    window.add_tool_action("Connect account…", "action.connections", "Ctrl+Shift+N", lambda: connections.open_dialog())
    SymbolSearchController.install(window, settings, FoundInstruments(paths.root / FOUND_INSTRUMENTS))
    window.keep_alive.append(HistoryAction.install(window, lambda: _open_history(paths.journal)))
    window.keep_alive.append(MarketHoursController.install(window))
    window.keep_alive.append(JournalDamageBanner(window))
    window.keep_alive.append(AccountDrawdownController.install(window))
    window.keep_alive.append(ChartDocks.install(window, paths.root / "cache" / "bars", AfterFirstPaint))
    PnlCurveDocks.install(window, AfterFirstPaint, lambda: _open_history(paths.journal))
    session.restore()
    strategy = StrategySetup(window, session, settings, intake, secrets, config.strategies, config.api_port)
    window.keep_alive += [strategy, secrets_setup]
    window.keep_alive.append(GridColumnsSetup(window, settings, lambda text: window.log_view.add("WARNING", text)))
    window.keep_alive.append(AlertsSetup(window, session, settings, mail.notifications, strategy.approvals,
                                         strategy.alert))
    secrets_setup.on_ready.append(strategy.secrets_ready)
    window.shutdown_hooks.append(strategy.stop)
    shut: list[bool] = []

    async def note_shutdown() -> None:
        shut.append(True)

    window.shutdown_hooks.insert(0, note_shutdown)
    checks: list[asyncio.Task[bool | None]] = []

    async def stop_check() -> None:
        for task in checks:
            task.cancel()  # the journal's close interrupts the check's thread

    window.shutdown_hooks.append(stop_check)

    def after_first_paint() -> None:
        if shut:  # the window was shut before it was ever painted: nothing to start
            return
        # Probing for an OS keyring imports every keyring backend (Secret Service: D-Bus, cryptography) and
        # the API loads aiohttp: the first screen waits for neither. Whatever may read a secret (the mailer,
        # the accounts' connects, the API) starts only once the backend is settled, as before.
        # A journal that closed cleanly opened without SQLite's full check (it reads the whole file): it runs now,
        # in a worker thread; a damaged file halts every account and takes no more writes.
        checks.append(asyncio.ensure_future(check_journal_later(journal, session.risk, bus)))
        QTimer.singleShot(0, window, settle_order_window)  # its own turn, before the first order can need it
        secrets_setup.settle(ask_vault)
        secrets_setup.show_banner(window, bus)
        strategy.secrets_ready()  # its tokens, from the keyring just settled
        mail.start()
        if connect:
            window.connect_all()
        strategy.start_soon(serve=connect)

    def settle_order_window() -> None:
        if not shut:  # the restart's week of orders, read now rather than at the first order's risk check
            session.risk.window.settle()

    AfterFirstPaint(window, after_first_paint)
    window.shutdown_hooks.append(lambda: _close_log_file(log_file, window.log_view.flush))  # last: every line in
    return window


async def _close_log_file(handler: logging.Handler, write_pending: Callable[[], None]) -> None:
    write_pending()  # the Log dock writes its lines by frame: the last frame's too
    close_log_file(handler)


def _open_history(journal: Path) -> HistoryQueries:
    from core.storage.history_queries import open_history  # the history window's and P&L replay's reads: later

    return open_history(journal)


def _about(window: QWidget) -> None:
    from gui.dialogs.about import AboutDialog  # imports platform and importlib.metadata: when first opened

    AboutDialog(window, broker_library_rows()).open()


_YOUNG, _MIDDLE, _FULL_AFTER = 700, 10, 2
"""The collector's thresholds once the window is up: Python's, but a full pass after 3 passes of the middle
generation instead of 11. A full pass walks every object made since the last one (the rest is exempted, see
_freeze_survivors); at the default it came every ~85,000 kept objects (4,000 orders) and took 30-34 ms on the
2-core VM, the longest stretch of a cancel-all (#27: the GUI thread never busy over 16 ms). At 3 it walks a
quarter as many each time; each object is still walked once before it is exempted, so the total is the same.
(Python also waits for a full pass until the objects kept since the last one are a quarter of those it kept:
counted from the frozen startup heap, 184,000, that alone let the first pass grow to 46,000 objects.)"""


def freeze_startup_heap() -> None:
    """Collect startup's garbage, then exempt what is left (modules, widgets, restored orders) from collection.

    Those objects live as long as the window. Left in the collector's oldest generation, each full
    pass walks them all: a 40 ms freeze of the window, in the middle of a session, on a 2-core VM.
    From then on what survives each full pass is exempted too (see _freeze_survivors).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG, _MIDDLE, _FULL_AFTER)
    gc.collect()  # over nothing: the collector then counts the long-lived from none, not the startup heap
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After a full collection, exempt its survivors from the next ones.

    The day's orders, fills and their events accumulate: after 10,000 orders a full pass over them
    took 104 ms, in the middle of a cancel-all. What survived a full pass is the session's long-lived
    state; the next passes then walk only what was made since. A cycle among exempted objects that
    later becomes garbage is not reclaimed, so only a full pass's survivors are exempted, never
    objects the collector has not yet looked at.
    """
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def configure_logging(stream: TextIO | None = None) -> logging.Handler:
    """Log INFO and above to stream (stderr) through a handler that masks every secret TradeTerm knows; return it."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    install_redaction([handler])  # on the handler: it sees every logger's records, libraries' included
    SECRETS.add(os.environ.get(API_TOKEN_ENV))  # a token given through the environment never passes the keyring
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # Python warnings go through the handler too, not straight to stderr
    return handler


def _port(text: str) -> int:
    """Parse --api-port: a TCP port, or 0 for any free one (argparse turns the ValueError into exit 2)."""
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 1 to {MAX_PORT} (0: any free port), got {text!r}"
        )
    return int(text)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tradeterm", description="TradeTerm trading terminal",
        epilog="tradeterm export --help: write orders, fills, the audit trail or realized P&L to CSV.")
    parser.add_argument("--data-dir", help="where the journal and settings live (default: the user data dir)")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILES, help="which accounts to open")
    parser.add_argument("--api-port", type=_port, metavar="PORT",
                        help="strategy API port on 127.0.0.1 (default: settings' api_port, else 8765; 0: any free)")
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window and exit")
    parser.add_argument("--self-check", action="store_true",
                        help="check adapters, journal, keyring and Qt; print a JSON summary; exit 0 if all is well")
    parser.add_argument("--after", type=float, default=3.0, metavar="SECONDS",
                        help="with --screenshot: let quotes run this long first (default 3)")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run TradeTerm; return the process exit code."""
    from gui.event_loop import EventLoop

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:  # a file from the journal, no window: Qt is never started
        from gui.export_cli import main as export

        return export(argv[1:])
    args = _parse(argv)
    if args.self_check:
        from gui.self_check import main as self_check

        return self_check()  # before any QApplication: it checks that Qt's platform plugin loads
    configure_logging()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("TradeTerm")
    app.setOrganizationName("TradeTerm")
    app.setDesktopFileName("tradeterm")
    icon = resources_dir() / "icons" / "tradeterm-256.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    cjk = ensure_cjk_font()
    if cjk is not CjkFont.SYSTEM:
        log.info("Chinese text: %s", "the bundled Noto Sans CJK SC subset" if cjk is CjkFont.BUNDLED else
                 "no font draws it (install fonts-noto-cjk): names show as boxes")
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        window = create_main_window(args.data_dir, args.profile, api_port=args.api_port,
                                    ask_vault=None if args.screenshot is not None else ask_with_dialog)
    except STARTUP_ERRORS as exc:
        print(f"tradeterm: {exc}", file=sys.stderr)
        if args.screenshot is None:
            QMessageBox.critical(None, "TradeTerm cannot start", str(exc))
        return 2
    window.resize(1500, 900)
    window.show()
    QTimer.singleShot(FREEZE_AFTER_MS, window, freeze_startup_heap)  # after the first paint and the connects
    exit_code = 0
    if args.screenshot is not None:
        target = Path(args.screenshot)

        def shoot() -> None:
            nonlocal exit_code
            target.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(target), "PNG"):
                print(f"tradeterm: could not write {target}", file=sys.stderr)
                exit_code = 1
            window.close()

        QTimer.singleShot(int(args.after * 1000), window, shoot)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    quit_signals = QuitOnSignals(window.close, window)

    async def run_until_closed() -> None:
        # One run of the loop from start to shutdown: a gap between two runs would let Qt fire
        # asyncio timers while no loop is running.
        await closed.wait()
        await window.shutdown()

    with loop:
        loop.run_until_complete(run_until_closed())
    quit_signals.restore()
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())

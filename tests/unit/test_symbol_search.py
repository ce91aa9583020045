"""Symbol search across accounts: ranking, notes for accounts that cannot search, adding the one picked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import create as create_easytrader
from core.adapters.mail.config import SmtpConfig, SmtpSecurity
from core.adapters.mail.desk import create as create_desk
from core.adapters.mail.smtp import SmtpMailer
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.instruments import DEFAULT_INSTRUMENTS, START_PRICES
from core.domain import AccountId, AssetClass, Instrument
from core.domain.symbol_index import SymbolIndex
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, SymbolSearch
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.services.symbol_search import SymbolSearchService
from core.storage.journal import SqliteJournal

PAPER = AccountId("PAPER-1")
DESK = AccountId("DESK-1")
ET = AccountId("ET-1")


def paper_config(tmp_path: Path) -> PaperConfig:
    return PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})


@pytest.fixture(name="session")
async def fixture_session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    extra = Instrument("AAPLX", "NASDAQ", "USD", Decimal("0.01"), name="Apple Extra Corp")
    apple = Instrument("APL", "NYSE", "USD", Decimal("0.01"), name="Applied Widgets")
    session.add_account(PaperBroker(PAPER, paper_config(tmp_path), bus.publish,
                                    instruments=(*DEFAULT_INSTRUMENTS, extra, apple),
                                    start_prices={**START_PRICES, "AAPLX": Decimal(10), "APL": Decimal(5)}))
    mailer = SmtpMailer(SmtpConfig(host="127.0.0.1", port=1, sender="t@example.com", security=SmtpSecurity.PLAIN),
                        password=lambda: None)
    session.add_account(create_desk(DESK, {"desk": ["orders@desk.example"], "state_path": str(tmp_path / "d.json"),
                                           "mailer": mailer}, bus.publish))
    session.add_account(create_easytrader(ET, {"host": "127.0.0.1", "port": 1, "user": "u"}, bus.publish))
    session.restore()
    await session.connect(PAPER)
    yield session
    await session.close()
    session.journal.close()


async def test_exact_symbol_comes_first_then_prefix_then_name(session: TradingSession) -> None:
    result = await SymbolSearchService(session).search("aapl")
    symbols = [m.symbol for m in result.matches]
    assert symbols[:2] == ["AAPL", "AAPLX"]
    by_name = await SymbolSearchService(session).search("apple")
    assert [m.symbol for m in by_name.matches] == ["AAPL", "AAPLX"]  # "Apple Inc.", "Apple Extra Corp"
    first = result.matches[0]
    assert (first.name, first.venue, first.currency, first.kind, first.account_id) == (
        "Apple Inc.", "NASDAQ", "USD", AssetClass.STOCK, PAPER)


async def test_accounts_that_cannot_search_are_skipped_with_a_note(session: TradingSession) -> None:
    result = await SymbolSearchService(session).search("MSFT")
    assert [m.symbol for m in result.matches] == ["MSFT"]
    assert any(note.startswith("DESK-1 (email_desk) cannot search") for note in result.notes)
    assert any(note.startswith("ET-1 is not connected") for note in result.notes)


async def test_nothing_found_says_so_and_where_it_looked(session: TradingSession) -> None:
    result = await SymbolSearchService(session).search("ZZZQ")
    assert result.matches == ()
    assert result.message == ("Nothing matches 'ZZZQ' on PAPER-1: check the spelling, try the symbol or the name, "
                              "or connect an account that trades it (Connect account).")


async def test_a_bad_query_is_refused_with_what_to_do(session: TradingSession) -> None:
    with pytest.raises(ValueError, match="at most 64"):
        await SymbolSearchService(session).search("A" * 65)
    with pytest.raises(ValueError, match="control characters"):
        await SymbolSearchService(session).search("AA\x00PL")


async def test_adding_a_match_puts_it_in_the_session_and_streams_it(session: TradingSession) -> None:
    service = SymbolSearchService(session)
    (match,) = [m for m in (await service.search("AAPLX")).matches if m.symbol == "AAPLX"]
    instrument = await service.add(match)
    assert session.instruments.find("AAPLX") == instrument


async def test_adding_what_the_account_does_not_list_is_refused_and_nothing_added(session: TradingSession) -> None:
    ghost = InstrumentMatch(PAPER, "GHOST", "", "NYSE", "USD", AssetClass.STOCK)
    with pytest.raises(InvalidInstrument, match="lists no GHOST"):
        await SymbolSearchService(session).add(ghost)
    assert session.instruments.find("GHOST") is None


async def test_easytrader_finds_a_shares_by_code_and_name(session: TradingSession) -> None:
    adapter = session.account(ET).adapter
    assert isinstance(adapter, SymbolSearch)
    (moutai,) = await adapter.search_symbols("600519", 10)
    assert (moutai.venue, moutai.currency, moutai.lot_size) == ("SSE", "CNY", Decimal(100))
    assert "Kweichow Moutai" in moutai.name
    byd = await adapter.search_symbols("BYD", 10)
    assert [(m.symbol, m.venue) for m in byd] == [("002594", "SZSE")]
    assert [m.symbol for m in await adapter.search_symbols("茅台", 10)] == []  # names match by their start
    assert [m.symbol for m in await adapter.search_symbols("贵州", 10)] == ["600519"]
    (unnamed,) = await adapter.search_symbols("300999", 10)
    assert (unnamed.venue, unnamed.name) == ("SZSE", "")
    assert (await adapter.instrument_for(unnamed)).symbol == "300999"


def test_the_index_ranks_and_filters_by_further_words() -> None:
    index = SymbolIndex([
        ("NIFTY26DECFUT", "NIFTY", "NIFTY26DECFUT NIFTY FUT NFO", 1),
        ("NIFTY26DEC24000CE", "NIFTY", "NIFTY26DEC24000CE NIFTY CE 24000 NFO", 2),
        ("NIFTY", "NIFTY 50", "NIFTY NSE", 3),
        ("INFY", "INFOSYS", "INFY NSE", 4),
    ])
    assert [i for _, i in index.find("nifty", 10)] == [3, 1, 2]
    assert [i for _, i in index.find("nifty fut", 10)] == [1]
    assert [i for _, i in index.find("infosys", 10)] == [4]
    assert index.find("", 10) == []

"""DepthService: views of one symbol on one account share one broker request; the last to stop ends it."""

from __future__ import annotations

from core.domain.depth import DepthBook
from core.services.depth import DepthService
from core.services.session import TradingSession
from tests.unit import paper_desk
from tests.unit.paper_desk import ACCOUNT

session = paper_desk.session_fixture()


async def test_two_views_share_the_book_and_it_stops_only_when_both_stop(session: TradingSession) -> None:
    books: list[DepthBook] = []
    session.bus.subscribe(DepthBook, books.append)
    service = DepthService(session)
    aapl = session.instruments.find("AAPL")
    assert aapl is not None and service.has_depth(ACCOUNT)
    assert await service.watch(ACCOUNT, aapl) == ""
    assert await service.watch(ACCOUNT, aapl) == ""
    assert [b.symbol for b in books] == ["AAPL"]  # one request: one book at once, not two
    adapter = session.account(ACCOUNT).adapter
    await service.unwatch(ACCOUNT, "AAPL")
    adapter._tick()  # type: ignore[attr-defined]  # one market tick of the paper account
    assert len(books) == 2, "the other view still shows the book"
    await service.unwatch(ACCOUNT, "AAPL")
    adapter._tick()  # type: ignore[attr-defined]
    assert len(books) == 2, "nobody watches: the paper account stopped publishing it"

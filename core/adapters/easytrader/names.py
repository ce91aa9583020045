"""A-share names shipped with TradeTerm (easytrader's brokers send none): the most traded codes, Chinese and English.

A code not listed here is still found by its six digits (the exchange follows from the code); only its name
is then empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.adapters.easytrader.parsing import instrument_for, is_a_share_code
from core.domain import AccountId, Instrument
from core.domain.symbol_index import SymbolIndex
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, match_of

A_SHARE_NAMES: dict[str, str] = {
    "600000": "浦发银行 Shanghai Pudong Development Bank",
    "600030": "中信证券 CITIC Securities",
    "600036": "招商银行 China Merchants Bank",
    "600276": "恒瑞医药 Jiangsu Hengrui Medicine",
    "600519": "贵州茅台 Kweichow Moutai",
    "600887": "伊利股份 Inner Mongolia Yili",
    "600900": "长江电力 China Yangtze Power",
    "601012": "隆基绿能 LONGi Green Energy",
    "601166": "兴业银行 Industrial Bank",
    "601318": "中国平安 Ping An Insurance",
    "601398": "工商银行 Industrial and Commercial Bank of China",
    "601857": "中国石油 PetroChina",
    "601988": "中国银行 Bank of China",
    "688981": "中芯国际 Semiconductor Manufacturing International",
    "000001": "平安银行 Ping An Bank",
    "000002": "万科A China Vanke",
    "000333": "美的集团 Midea Group",
    "000651": "格力电器 Gree Electric Appliances",
    "000725": "京东方A BOE Technology",
    "000858": "五粮液 Wuliangye Yibin",
    "002415": "海康威视 Hangzhou Hikvision",
    "002475": "立讯精密 Luxshare Precision",
    "002594": "比亚迪 BYD",
    "300059": "东方财富 East Money Information",
    "300750": "宁德时代 Contemporary Amperex Technology (CATL)",
}


class AShareSearch:
    """Find A-shares by code or shipped name; any valid six-digit code is found even when unnamed."""

    def __init__(self, account_id: AccountId, names: dict[str, str] | None = None) -> None:
        self.account_id = account_id
        self._names = dict(A_SHARE_NAMES if names is None else names)
        self._index = SymbolIndex(self._entries(self._names.items()))

    @staticmethod
    def _entries(items: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str, str, Instrument]]:
        for code, name in items:
            instrument = instrument_for(code, name)
            yield code, name, f"{code} {name} {instrument.venue}", instrument

    def search(self, query: str, limit: int) -> list[InstrumentMatch]:
        found = [instrument for _, instrument in self._index.find(query, limit)]
        code = query.strip()
        if is_a_share_code(code) and all(i.symbol != code for i in found):
            found.insert(0, instrument_for(code, self._names.get(code, "")))
        return [match_of(self.account_id, instrument) for instrument in found[:limit]]

    def instrument_for(self, match: InstrumentMatch) -> Instrument:
        if not is_a_share_code(match.symbol):
            raise InvalidInstrument(f"{match.symbol!r} is not a six-digit A-share code such as 600000.")
        return instrument_for(match.symbol, self._names.get(match.symbol, match.name))

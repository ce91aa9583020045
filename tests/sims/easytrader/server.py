"""EasytraderSimulator: easytrader's own server (easytrader/server.py) on 127.0.0.1 over a simulated broker.

Each simulator executes a fresh copy of easytrader/server.py, so it has its own Flask app and its own
`global_store`, and replaces that copy's `api.use` with a factory for SimClientTrader. The routes, JSON
and errors ({"error": "<class 'pkg.Exc'>: msg"}, HTTP 400) are therefore easytrader's own. A WSGI layer
in front injects faults (stall, 400, dropped connection) per route; every stall ends after
`stall_guard_s` (the client sets no timeout, so a stall must never hang a test run).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType, SimpleNamespace
from typing import Any

import easytrader.server as reference_server
from werkzeug.serving import BaseWSGIServer, make_server

from core.domain import Side
from tests.sims.easytrader.exchange import SimExchange
from tests.sims.easytrader.grids import GridRenderer

_copies = itertools.count(1)
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class FaultKind(StrEnum):
    STALL = "stall"
    ERROR = "error"
    DROP = "drop"


@dataclass(slots=True)
class Fault:
    """One injected fault on a route. `after`: the broker client acts first, then the answer is lost."""

    route: str
    kind: FaultKind
    after: bool = True
    message: str = "<class 'easytrader.exceptions.TradeError'>: 系统繁忙, 请稍后再试"
    times: int = 1


class SimClientTrader:
    """What easytrader.use(broker) returns on the Windows machine, backed by SimExchange."""

    def __init__(self, sim: EasytraderSimulator, broker: str) -> None:
        self._sim = sim
        self._grids = GridRenderer(broker, sim.exchange)

    def prepare(self, config_path: str | None = None, user: str | None = None, password: str | None = None,
                exe_path: str | None = None, comm_password: str | None = None, **kwargs: object) -> None:
        sim = self._sim
        sim.logins.append({"user": user, "exe_path": exe_path, "has_comm_password": bool(comm_password)})
        if user != sim.user or password != sim.password:
            raise Exception("登录失败: 账号或密码错误")
        if sim.comm_password is not None and comm_password != sim.comm_password:
            raise Exception("登录失败: 通讯密码错误")

    @property
    def balance(self) -> object:
        with self._sim.exchange.lock:
            return self._grids.balance()

    @property
    def position(self) -> object:
        with self._sim.exchange.lock:
            return self._grids.position()

    @property
    def today_entrusts(self) -> object:
        with self._sim.exchange.lock:
            return self._grids.today_entrusts()

    @property
    def today_trades(self) -> object:
        with self._sim.exchange.lock:
            return self._grids.today_trades()

    @property
    def cancel_entrusts(self) -> object:
        with self._sim.exchange.lock:
            return self._grids.cancel_entrusts()

    def buy(self, security: str, price: object, amount: object, **kwargs: object) -> dict[str, str]:
        return self._sim.exchange.place(Side.BUY, security, price, amount)

    def sell(self, security: str, price: object, amount: object, **kwargs: object) -> dict[str, str]:
        return self._sim.exchange.place(Side.SELL, security, price, amount)

    def cancel_entrust(self, entrust_no: object) -> dict[str, str]:
        return self._sim.exchange.cancel(entrust_no)

    def auto_ipo(self) -> dict[str, str]:
        return {"message": "今日无新股"}

    def exit(self) -> None:
        self._sim.exited = True


def _server_copy(sim: EasytraderSimulator) -> ModuleType:
    """Execute easytrader/server.py afresh, with api.use building SimClientTraders."""
    path = reference_server.__file__
    assert path is not None
    spec = importlib.util.spec_from_file_location(f"easytrader._tradeterm_sim_{next(_copies)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.api = SimpleNamespace(use=lambda broker, **kwargs: SimClientTrader(sim, broker))
    return module


class EasytraderSimulator:
    """easytrader's server over SimExchange on 127.0.0.1 (port 0: the OS picks), with fault injection.

    `requests` counts the calls per route (to prove an order was never resent); `logins` records prepares.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, user: str = "880012345678",
                 password: str = "secret-pass", comm_password: str | None = None, tick_interval_s: float = 0.02,
                 stall_guard_s: float = 20.0, exchange: SimExchange | None = None) -> None:
        self.host, self.port = host, port
        self.user, self.password, self.comm_password = user, password, comm_password
        self.exchange = exchange or SimExchange()
        self.tick_interval_s = tick_interval_s
        self.stall_guard_s = stall_guard_s
        self.requests: dict[str, int] = {}
        self.logins: list[dict[str, object]] = []
        self.exited = False
        self._faults: list[Fault] = []
        self._release = threading.Event()
        self._stop = threading.Event()
        self._module = _server_copy(self)
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        logging.getLogger("easytrader").setLevel(logging.CRITICAL)  # it logs a traceback for every 400

    # --- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Serve on host:port (port 0 picks a free one, then `self.port` tells which) and start the market."""
        self._server = make_server(self.host, self.port, self._wsgi, threaded=True)
        self.port = self._server.server_port
        self._threads = [threading.Thread(target=self._server.serve_forever, args=(0.02,), name="easytrader-sim",
                                          daemon=True),
                         threading.Thread(target=self._ticker, name="easytrader-sim-market", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> EasytraderSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def logged_in(self) -> bool:
        return "user" in self._module.global_store

    # --- faults ----------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Apply fault to the next `fault.times` requests of its route."""
        self._release.clear()
        self._faults.append(fault)

    def release(self) -> None:
        """End every stall now."""
        self._release.set()

    def restart_session(self) -> None:
        """Forget the login, as a restarted easytrader server does (calls then fail with KeyError 'user')."""
        self._module.global_store.clear()

    # --- internals -------------------------------------------------------------------------------

    def _ticker(self) -> None:
        while not self._stop.wait(self.tick_interval_s):
            self.exchange.tick()

    def _take_fault(self, route: str) -> Fault | None:
        for fault in self._faults:
            if fault.route == route and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _wsgi(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        route = str(environ.get("PATH_INFO", ""))
        self.requests[route] = self.requests.get(route, 0) + 1
        fault = self._take_fault(route)
        app = self._module.app
        if fault is None:
            return app(environ, start_response)  # type: ignore[no-any-return]
        if fault.kind is FaultKind.ERROR:
            body = json.dumps({"error": fault.message}).encode()
            start_response("400 BAD REQUEST", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        if fault.after:
            captured: list[Any] = []
            body_parts = list(app(environ, lambda *args: captured.append(args)))
        if fault.kind is FaultKind.STALL:
            self._release.wait(self.stall_guard_s)
        else:
            sock: socket.socket = environ["werkzeug.socket"]
            sock.shutdown(socket.SHUT_RDWR)
            start_response("500 DROPPED", [])  # werkzeug's write then fails quietly on the closed socket
            return []
        if not fault.after:
            return app(environ, start_response)  # type: ignore[no-any-return]
        start_response(*captured[0])
        return body_parts

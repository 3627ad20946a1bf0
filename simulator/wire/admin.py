"""The admin API under /sim/...: what tests and operators use to steer the simulator.

Not part of OKX: unauthenticated, JSON in and out. Mirrors EmbeddedSimulator's Python API.
"""

import asyncio
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulator.faults import describe
from simulator.runtime import SimRuntime

BINANCE_STATES = {"TRADING": "live", "SETTLING": "suspend", "PENDING_TRADING": "preopen"}


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class AdminApi:
    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime

    def routes(self) -> list[Route]:
        return [
            Route("/sim/health", self.health), Route("/sim/state", self.state),
            Route("/sim/price", self.price, methods=["POST"]),
            Route("/sim/clock/advance", self.advance, methods=["POST"]),
            Route("/sim/faults", self.faults, methods=["GET", "POST", "DELETE"]),
            Route("/sim/violations", self.violations), Route("/sim/requests", self.requests),
            Route("/sim/reset", self.reset, methods=["POST"]),
            Route("/sim/instrument-state", self.instrument_state, methods=["POST"]),
            Route("/sim/ws/disconnect", self.ws_disconnect, methods=["POST"]),
            Route("/sim/orders", self.orders), Route("/sim/algos", self.algos),
            Route("/sim/positions", self.positions), Route("/sim/fills", self.fills),
        ]

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def state(self, request: Request) -> JSONResponse:
        core = self.rt.core
        prices = {}
        for inst_id in core.state.instruments:
            last, mark, index = core.quote(inst_id)
            prices[inst_id] = {"last": str(last), "mark": str(mark), "index": str(index)}
        return JSONResponse({
            "mode": self.rt.settings.mode, "clockMs": core.now_ms(),
            "virtualClock": self.rt.settings.virtual_clock, "prices": prices,
            "instruments": {i: inst.state for i, inst in core.state.instruments.items()}})

    async def price(self, request: Request) -> JSONResponse:
        body = await _json(request)
        try:
            values = {k: Decimal(str(body[k])) if body.get(k) is not None else None
                      for k in ("last", "mark", "index")}
            last = values["last"]
            if last is None:
                return _bad("last is required")
            self.rt.core.set_price(str(body.get("instId") or body.get("symbol")), last,
                                   values["mark"], values["index"])
        except (KeyError, InvalidOperation, ValueError) as err:
            return _bad(str(err))
        return JSONResponse({"ok": True})

    async def advance(self, request: Request) -> JSONResponse:
        body = await _json(request)
        try:
            self.rt.advance(float(body.get("seconds", 0)))
        except (RuntimeError, ValueError) as err:
            return _bad(str(err))
        return JSONResponse({"clockMs": self.rt.core.now_ms()})

    async def faults(self, request: Request) -> JSONResponse:
        faults = self.rt.faults
        if request.method == "GET":
            return JSONResponse({"active": faults.listed(), "fired": faults.fired(),
                                 "kinds": describe()})
        if request.method == "DELETE":
            faults.clear(request.query_params.get("id"))
            return JSONResponse({"ok": True})
        body = await _json(request)
        try:
            fault_id = faults.inject(
                str(body.get("kind")), str(body.get("target", "*")), method=body.get("method"),
                times=body.get("times"), skip=int(body.get("skip", 0)),
                probability=body.get("probability"), **dict(body.get("params") or {}))
        except (ValueError, TypeError, KeyError) as err:
            return _bad(str(err))
        return JSONResponse({"id": fault_id})

    # -- read-only views of everything the exchange holds (invariant checks) ---------------
    async def orders(self, request: Request) -> JSONResponse:
        inst_id = request.query_params.get("instId", "")
        return JSONResponse({"orders": self.rt.core.admin_orders(inst_id)})

    async def algos(self, request: Request) -> JSONResponse:
        inst_id = request.query_params.get("instId", "")
        return JSONResponse({"algos": self.rt.core.admin_algos(inst_id)})

    async def positions(self, request: Request) -> JSONResponse:
        return JSONResponse({"positions": self.rt.core.admin_positions()})

    async def fills(self, request: Request) -> JSONResponse:
        inst_id = request.query_params.get("instId", "")
        return JSONResponse({"fills": self.rt.core.admin_fills(inst_id)})

    async def violations(self, request: Request) -> JSONResponse:
        return JSONResponse({"violations": self.rt.violations()})

    async def requests(self, request: Request) -> JSONResponse:
        return JSONResponse({"requests": self.rt.requests()})

    async def reset(self, request: Request) -> JSONResponse:
        self.rt.reset()
        return JSONResponse({"ok": True})

    async def instrument_state(self, request: Request) -> JSONResponse:
        body = await _json(request)
        try:
            state = str(body.get("state"))  # Binance's status names work too
            self.rt.core.set_instrument_state(str(body.get("instId") or body.get("symbol")),
                                              BINANCE_STATES.get(state, state))
        except KeyError as err:
            return _bad(str(err))
        return JSONResponse({"ok": True})

    async def ws_disconnect(self, request: Request) -> JSONResponse:
        service = str((await _json(request)).get("service", "*"))
        here = asyncio.get_running_loop()
        closed = 0
        for hub in self.rt.ws_hubs:  # each listener has its own loop and connections
            if hub.loop is here:
                closed += hub.disconnect(service)
            elif hub.loop is not None:
                future = asyncio.run_coroutine_threadsafe(_call(hub.disconnect, service),
                                                          hub.loop)
                closed += await asyncio.wrap_future(future)
        return JSONResponse({"closed": closed})


async def _call(function: Any, *args: Any) -> Any:
    return function(*args)

"""The exchange as the simulator's admin API shows it: what the invariants are checked on."""

from decimal import Decimal
from typing import Any

import httpx

from domain.ids import Role

STOP_PREFIX = "px" + Role.STOP.value


class ExchangeView:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10.0)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, key: str) -> list[dict[str, Any]]:
        response = self.http.get(path)
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()[key]
        return rows

    def positions(self) -> dict[str, Decimal]:
        return {p["instId"]: Decimal(str(p["pos"])) for p in self.get("/sim/positions",
                                                                      "positions")
                if Decimal(str(p["pos"])) != 0}

    def live_stops(self) -> list[dict[str, Any]]:
        return [a for a in self.get("/sim/algos", "algos")
                if a["state"] == "live" and str(a["algoClOrdId"]).startswith(STOP_PREFIX)]

    def mark(self, inst_id: str) -> Decimal:
        response = self.http.get("/sim/state")
        response.raise_for_status()
        state = response.json()
        prices = state.get("prices", state.get("instruments", {}))
        return Decimal(str(prices[inst_id]["mark"]))

    def set_price(self, inst_id: str, price: Decimal) -> None:
        self.http.post("/sim/price", json={"instId": inst_id, "last": str(price)}
                       ).raise_for_status()

    def reset(self) -> None:
        self.http.post("/sim/reset").raise_for_status()


def protection_problems(view: ExchangeView) -> list[str]:
    """Every non-zero position under exactly one live, visible, reduce-only stop of ours on
    the closing side, sized to the position; no stop of ours left on a flat instrument; no
    client id behind two orders."""
    positions = view.positions()
    stops: dict[str, list[dict[str, Any]]] = {}
    for stop in view.live_stops():
        stops.setdefault(stop["instId"], []).append(stop)
    problems = []
    for inst_id, pos in sorted(positions.items()):
        mine = stops.get(inst_id, [])
        if len(mine) != 1:
            problems.append(f"{inst_id} position {pos} has {len(mine)} live stops of ours: "
                            f"{[s['algoClOrdId'] for s in mine]}")
            continue
        problems += _stop_problems(inst_id, pos, mine[0])
    for inst_id, mine in sorted(stops.items()):
        if inst_id not in positions:
            problems.append(f"{inst_id} is flat but keeps stops {[s['algoClOrdId'] for s in mine]}")
    return problems + duplicate_ids(view)


def _stop_problems(inst_id: str, pos: Decimal, stop: dict[str, Any]) -> list[str]:
    found = []
    closing = "sell" if pos > 0 else "buy"
    whole = str(stop.get("closeFraction")) == "1"
    if stop["side"] != closing:
        found.append(f"{inst_id} stop {stop['algoClOrdId']} is a {stop['side']}, "
                     f"position {pos} needs a {closing}")
    if not (stop.get("reduceOnly") or whole):
        found.append(f"{inst_id} stop {stop['algoClOrdId']} is not reduce-only")
    if not whole and Decimal(str(stop["sz"])) != abs(pos):
        found.append(f"{inst_id} stop {stop['algoClOrdId']} sized {stop['sz']}, position {pos}")
    if not stop.get("visible", True):
        found.append(f"{inst_id} stop {stop['algoClOrdId']} is not visible")
    return found


def duplicate_ids(view: ExchangeView) -> list[str]:
    seen: dict[str, int] = {}
    for order in view.get("/sim/orders", "orders"):
        if order.get("clOrdId") and not order.get("algoId"):
            seen[order["clOrdId"]] = seen.get(order["clOrdId"], 0) + 1
    for algo in view.get("/sim/algos", "algos"):
        if algo.get("algoClOrdId"):
            key = "algo:" + algo["algoClOrdId"]
            seen[key] = seen.get(key, 0) + 1
    return [f"client id {cid} is behind {n} orders" for cid, n in sorted(seen.items()) if n > 1]

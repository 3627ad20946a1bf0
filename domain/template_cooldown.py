"""The template cooldown (seed 001 §2.1 last_template, cooldown_until.template; §4).

last_template is the template of the candidate that opened the position. When a trade closes
with a realised R below 0 (from the exchange's fills, fees included) its template is locked on
that symbol until now + template_s; the open gate names the template when it refuses.
"""

import re

import attrs

from domain.actions import CooldownKind, SetCooldown
from domain.errors import InvalidIntent
from domain.gate import apply_cooldown
from domain.params import Params
from domain.records import TradeResult
from domain.state import SymbolState

_TEMPLATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def validate_template(name: str) -> str:
    """A template name: 1-64 of letters, digits, '_', '.', ':', '-' starting with a letter or
    digit (so "*", the all-templates lock, can never be a template's own name)."""
    if not isinstance(name, str) or not _TEMPLATE.fullmatch(name):
        raise InvalidIntent(f"template must be 1-64 letters, digits, '_', '.', ':' or '-' "
                            f"starting with a letter or digit, got {name!r}")
    return name


def on_position_opened(state: SymbolState, template: str) -> SymbolState:
    return attrs.evolve(state, last_template=validate_template(template))


@attrs.frozen
class TemplateVerdict:
    state: SymbolState
    lock: SetCooldown | None
    note: str


def on_trade_closed(state: SymbolState, trade: TradeResult, *, now: int,
                    params: Params) -> TemplateVerdict:
    """Lock the trade's template when the trade lost (realised R < 0, fees included)."""
    result = trade.realised_r
    if result >= 0:
        return TemplateVerdict(state, None, f"template {trade.template!r}: trade made "
                                            f"{result:.4f}R, no lock")
    if not trade.template:
        return TemplateVerdict(state, None, f"trade lost {result:.4f}R but names no template")
    until = now + params.cooldown.template_s
    lock = SetCooldown(CooldownKind.TEMPLATE, until,
                       f"template {trade.template!r} trade lost {result:.4f}R", trade.template)
    return TemplateVerdict(apply_cooldown(state, lock), lock,
                           f"template {trade.template!r} locked until {until}: trade lost "
                           f"{result:.4f}R")

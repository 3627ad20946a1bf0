"""The market regimes the Quant service names (seed 001 §5-§6).

SHOCK and CHOP are exit regimes: no runner may stay open in them and the playbook tightens the
stop; TREND and RANGE are calm ones. A StrEnum, so it is persisted and printed as the same
upper-case string it always was ("" for a symbol that has seen no regime yet).
"""

import enum


class Regime(enum.StrEnum):
    NONE = ""
    TREND = "TREND"
    RANGE = "RANGE"
    CHOP = "CHOP"
    SHOCK = "SHOCK"

    @property
    def exits_runner(self) -> bool:
        """No runner may stay open in this regime (seed §3 hard rule, §5)."""
        return self in (Regime.SHOCK, Regime.CHOP)


class Tier(enum.StrEnum):
    """The signal tier of an entry; a losing tier-B trade also sets the B blacklist."""

    NONE = ""
    A = "A"
    B = "B"

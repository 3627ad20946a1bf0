"""What a symbol looks like on each exchange: an OKX perpetual swap instId (BTC-USDT-SWAP) or a
Binance USDⓈ-M symbol (BTCUSDC). Whether the exchange lists it is asked of the exchange."""

import re

_SWAP_ID = re.compile(r"[A-Z0-9]{1,20}-[A-Z0-9]{1,20}-SWAP")
# Binance USDⓈ-M perpetuals: base + margin asset, upper-case letters and digits (BTCUSDC)
_BINANCE_SYMBOL = re.compile(r"[A-Z0-9]{2,32}")


def symbol_problem(value: str, exchange: str = "okx") -> str:
    """Why value is not a perpetual of that exchange ("okx" or "binance"); '' when it is."""
    if exchange == "binance":
        return _binance_symbol_problem(value)
    if _SWAP_ID.fullmatch(value):
        return ""
    hint = f" (did you mean {value.upper()}?)" if _SWAP_ID.fullmatch(value.upper()) else ""
    return f"{value!r} is not an OKX perpetual swap instId like BTC-USDT-SWAP{hint}"


def _binance_symbol_problem(value: str) -> str:
    if _BINANCE_SYMBOL.fullmatch(value):
        return ""
    # an OKX instId (BTC-USDT-SWAP) or lower case: name the Binance spelling
    guess = value.upper().removesuffix("-SWAP").replace("-", "")
    hint = f" (did you mean {guess}?)" if _BINANCE_SYMBOL.fullmatch(guess) else ""
    return f"{value!r} is not a Binance USDⓈ-M symbol like BTCUSDC{hint}"


def any_symbol_problem(value: str) -> str:
    """'' when value is an OKX instId or a Binance symbol (which one the venue decides)."""
    if not symbol_problem(value, "okx") or not symbol_problem(value, "binance"):
        return ""
    # a dash says OKX was meant (BTC-USDT-SWAP); none says Binance (BTCUSDC)
    return symbol_problem(value, "okx" if "-" in value else "binance")

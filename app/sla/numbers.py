"""Exact rounding and display of the numbers finance pays out on.

Everything upstream is a `Fraction`; only here does it become a `Decimal`, and only
through integer floor division, so no binary float and no decimal context precision
can turn 99.8999999… into 99.9.
"""

import re
from decimal import Decimal
from fractions import Fraction

Number = Fraction | Decimal | int

# [0-9], not \d: \d also matches Arabic-Indic (١٢) and fullwidth (１) digits, which
# Decimal() reads as if they were ASCII. No exponent, no `+`, no bare `.5`.
DECIMAL_PATTERN = r"-?[0-9]{1,18}(\.[0-9]{1,18})?"
_DECIMAL = re.compile(DECIMAL_PATTERN, re.ASCII)


def decimal_from_text(text: str) -> Decimal:
    """The exact value of a plain decimal string such as `99.9` or `-0.5`.

    At most 18 digits either side of the point. A negative zero (`-0`, `-0.00`) comes
    back as a positive zero with the same places (`0`, `0.00`), so `-0` is never stored
    or shown, while a check on the number of decimals treats `-0.000` like `0.000`.
    """
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"'{text}' is not a plain decimal such as \"99.9\"")
    value = Decimal(text)
    return value.copy_abs() if value.is_zero() else value


def _scaled(value: Number, places: int) -> tuple[int, Fraction]:
    magnitude = abs(Fraction(value)) * 10**places
    return (-1 if value < 0 else 1), magnitude


def round_half_up(value: Number, places: int) -> Decimal:
    """Round to `places` decimals, halves away from zero (43m13s → 43.2167)."""
    sign, magnitude = _scaled(value, places)
    return Decimal(sign * int(magnitude + Fraction(1, 2))).scaleb(-places)


def truncate(value: Number, places: int) -> Decimal:
    """Cut to `places` decimals toward zero, so a missed target never displays as met."""
    sign, magnitude = _scaled(value, places)
    return Decimal(sign * int(magnitude)).scaleb(-places)


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation with no trailing zeros and no exponent: `43.2`, `43200`."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money_text(value: Decimal, minor_units: int) -> str:
    """Money always shows the currency's minor unit: `300.00` USD, `300` JPY."""
    return format(value.quantize(Decimal(1).scaleb(-minor_units)), "f")

"""Currencies and their minor units, from the ISO 4217 tables (package `iso4217`)."""

from iso4217 import Currency


class CurrencyError(ValueError):
    """Not an ISO 4217 code, or a code with no minor unit (gold, test codes)."""


def minor_units(code: str) -> int:
    """Decimal places of the currency's minor unit: 2 for USD and EUR, 0 for JPY."""
    try:
        exponent = Currency(code).exponent
    except ValueError as error:
        raise CurrencyError(f"'{code}' is not an ISO 4217 currency code") from error
    if exponent is None:
        raise CurrencyError(f"'{code}' has no minor unit, so credits cannot be paid in it")
    return exponent

"""Money as integer minor units plus an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Minor-unit exponents for the currencies souk's marketplaces use.
CURRENCY_EXPONENTS: dict[str, int] = {
    "USD": 2,
    "CAD": 2,
    "MXN": 2,
    "BRL": 2,
    "GBP": 2,
    "EUR": 2,
    "SEK": 2,
    "PLN": 2,
    "INR": 2,
    "JPY": 0,
    "AUD": 2,
    "SGD": 2,
    "AED": 2,
    "SAR": 2,
}


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def exponent(currency: str) -> int:
    """Number of minor-unit digits for ``currency``; unknown codes are refused."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency, in that currency's minor units (cents, pence, yen)."""

    currency: str
    minor: int

    def __post_init__(self) -> None:
        exponent(self.currency)
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(currency, 0)

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Read a decimal amount such as ``"19.99"``; extra decimal places are an error."""
        if isinstance(amount, float | bool):
            # A float has already lost the exact amount (0.1 + 0.2); take text instead.
            raise TypeError("Money.parse takes a string, int or Decimal, never a float")
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise ValueError(f"not an amount: {amount!r}")
        digits = exponent(currency)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more than {digits} decimal places for {currency}")
        return cls(currency, int(scaled))

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    # Amounts compare only within one currency: 5 EUR is neither more nor less than 1 USD.
    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.currency, self.minor + other.minor)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.currency, self.minor - other.minor)

    def __mul__(self, times: int) -> Money:
        if not isinstance(times, int) or isinstance(times, bool):
            raise TypeError("Money can only be multiplied by a whole number")
        return Money(self.currency, self.minor * times)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(self.currency, -self.minor)

    def percent(self, basis_points: int) -> Money:
        """``basis_points`` / 10000 of this amount, rounded half to even."""
        share = (Decimal(self.minor) * basis_points / 10000).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
        return Money(self.currency, int(share))

    def amount_str(self) -> str:
        """The plain decimal string, e.g. ``"19.99"`` (as the seller API writes amounts)."""
        return f"{self.decimal:.{exponent(self.currency)}f}"

    def __str__(self) -> str:
        return f"{self.amount_str()} {self.currency}"


def total(amounts: list[Money], currency: str) -> Money:
    """Sum of ``amounts``, all in ``currency``."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result

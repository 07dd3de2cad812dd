"""The payment-provider interface and souk's built-in test provider.

A real deployment plugs in a card processor behind the same four calls.
The test provider needs no network: its outcome follows from the card number,
like the test modes of real processors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from souk.core.errors import InvalidInput, PaymentDeclined
from souk.core.money import Money


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder: str = ""

    @property
    def digits(self) -> str:
        return "".join(c for c in self.number if c.isdigit())


@dataclass(frozen=True)
class Authorization:
    reference: str
    brand: str
    last4: str


@dataclass(frozen=True)
class SavedCard:
    """A card the provider keeps for later charges; souk stores only this."""

    token: str
    brand: str
    last4: str


class PaymentProvider(Protocol):
    name: str

    def authorize(self, amount: Money, card: Card, now: datetime, key: str) -> Authorization:
        """Hold ``amount`` on the card. ``key`` is idempotent: the same key never
        authorises twice, and ``release_key`` can let go of what it held."""
        ...

    def capture(self, reference: str, amount: Money) -> None: ...
    def void(self, reference: str) -> None: ...
    def refund(self, reference: str, amount: Money) -> None: ...

    def release_key(self, key: str) -> None:
        """Release any hold made under ``key`` (for a checkout that died before it
        learned the authorisation's reference); nothing held is not an error."""
        ...

    def save_card(self, card: Card, now: datetime) -> SavedCard:
        """Keep a card on file for charges without the buyer or seller present
        (the Prime fee, a seller's negative balance); raises PaymentDeclined when
        the issuer refuses to keep it."""
        ...

    def charge_saved(self, token: str, amount: Money, key: str) -> str:
        """Charge a card on file at once (authorise and capture); the provider's
        reference. Idempotent per ``key``; raises PaymentDeclined."""
        ...


class PaymentFailed(Exception):
    """The provider could not complete a step after authorising."""


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or "2221" <= digits[:4] <= "2720":
        return "Mastercard"
    if digits[:2] in {"34", "37"}:
        return "Amex"
    return "Card"


def check_card(card: Card, now: datetime) -> None:
    """Refuse card details that are malformed (as opposed to declined by the bank)."""
    if not luhn_valid(card.digits):
        raise InvalidInput("That card number is not valid.", field="card_number")
    if not 1 <= card.exp_month <= 12:
        raise InvalidInput("Expiry month must be 1 to 12.", field="card_exp_month")
    if (card.exp_year, card.exp_month) < (now.year, now.month):
        raise InvalidInput("That card has expired.", field="card_exp_year")
    if not (card.cvc.isdigit() and len(card.cvc) in (3, 4)):
        raise InvalidInput("The security code is 3 or 4 digits.", field="card_cvc")


class TestPaymentProvider:
    """Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
    4000 0000 0000 0341 is authorised but fails at capture, 4000 0000 0000 9995
    is declined for insufficient funds. Other valid numbers succeed."""

    name = "test"
    DECLINED = {"4000000000000002": "card declined", "4000000000009995": "insufficient funds"}
    FAILS_AFTER_AUTHORISATION = {"4000000000000341"}

    def authorize(self, amount: Money, card: Card, now: datetime, key: str) -> Authorization:
        check_card(card, now)
        if amount.minor <= 0:
            raise InvalidInput("Nothing to pay.")
        digits = card.digits
        if digits in self.DECLINED:
            raise PaymentDeclined(
                f"Your card was declined ({self.DECLINED[digits]}).", field="card_number"
            )
        outcome = "capturefails" if digits in self.FAILS_AFTER_AUTHORISATION else "ok"
        return Authorization(f"test_{outcome}_{key}", card_brand(digits), digits[-4:])

    def capture(self, reference: str, amount: Money) -> None:
        if reference.startswith("test_capturefails_"):
            raise PaymentFailed("the card issuer refused the capture")

    def void(self, reference: str) -> None:
        return None

    def refund(self, reference: str, amount: Money) -> None:
        if amount.minor <= 0:
            raise InvalidInput("Refund amount must be positive.")

    def release_key(self, key: str) -> None:
        return None

    # A saved card's token carries the test outcome, like the test tokens of real
    # processors: the 9995 card is kept, and its later charges are declined.
    def save_card(self, card: Card, now: datetime) -> SavedCard:
        check_card(card, now)
        digits = card.digits
        if digits == "4000000000000002":
            raise PaymentDeclined("Your card was declined (card declined).", field="card_number")
        outcome = "nofunds" if digits == "4000000000009995" else "ok"
        fingerprint = hashlib.sha256(digits.encode()).hexdigest()[:16]
        return SavedCard(f"card_test_{outcome}_{fingerprint}", card_brand(digits), digits[-4:])

    def charge_saved(self, token: str, amount: Money, key: str) -> str:
        if amount.minor <= 0:
            raise InvalidInput("Nothing to charge.")
        if not token.startswith("card_test_"):
            raise PaymentDeclined("The card on file is not known to the payment provider.")
        if token.startswith("card_test_nofunds_"):
            raise PaymentDeclined("The card on file was declined (insufficient funds).")
        return f"test_charge_{key}"

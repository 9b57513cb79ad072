"""Stripe's test PaymentMethods and how each behaves when a payment is confirmed.

Card tokens follow Stripe's testing docs (``pm_card_visa``, ``tok_visa``...), and so do the
card numbers typed into the Stripe.js test double (4242 4242 4242 4242 pays, 4000 0000 0000
0002 is declined...).
Bank debits: ``pm_usBankAccount`` (and a ``us_bank_account`` PaymentMethod
with account number 000123456789) goes to ``processing`` then succeeds; the
account numbers of Stripe's ACH test table fail after ``processing``.
``pm_usBankAccount_insufficientFunds`` and ``pm_usBankAccount_accountClosed``
are this emulator's shorthands for those failing accounts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    """A failure: the error code, the card decline code, the customer-facing message."""

    code: str
    decline_code: str | None
    message: str


@dataclass(frozen=True)
class Behaviour:
    """What confirming a payment with this method does."""

    type: str  # "card" or "us_bank_account"
    brand: str = ""
    last4: str = ""
    funding: str = "credit"
    decline: Decline | None = None  # immediate for cards, after processing for bank debits


_GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
_FUNDS = Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
_LOST = Decline("card_declined", "lost_card", "Your card was declined.")
_EXPIRED = Decline("expired_card", "expired_card", "Your card has expired.")
_CVC = Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.")
_PROCESSING = Decline(
    "processing_error", "processing_error",
    "An error occurred while processing your card. Try again in a little bit.",
)
_ACH_FUNDS = Decline("insufficient_funds", None, "The customer's account has insufficient funds.")
_ACH_CLOSED = Decline("account_closed", None, "The customer's bank account has been closed.")
_ACH_MISSING = Decline("no_account", None, "The customer's bank account could not be located.")

CARDS: dict[str, Behaviour] = {
    "visa": Behaviour("card", "visa", "4242"),
    "visa_debit": Behaviour("card", "visa", "5556", "debit"),
    "mastercard": Behaviour("card", "mastercard", "4444"),
    "amex": Behaviour("card", "amex", "8431"),
    "chargeDeclined": Behaviour("card", "visa", "0002", decline=_GENERIC),
    "visa_chargeDeclined": Behaviour("card", "visa", "0002", decline=_GENERIC),
    "chargeDeclinedInsufficientFunds": Behaviour("card", "visa", "9995", decline=_FUNDS),
    "visa_chargeDeclinedInsufficientFunds": Behaviour("card", "visa", "9995", decline=_FUNDS),
    "chargeDeclinedLostCard": Behaviour("card", "visa", "9987", decline=_LOST),
    "chargeDeclinedExpiredCard": Behaviour("card", "visa", "0069", decline=_EXPIRED),
    "chargeDeclinedIncorrectCvc": Behaviour("card", "visa", "0127", decline=_CVC),
    "chargeDeclinedProcessingError": Behaviour("card", "visa", "0119", decline=_PROCESSING),
}

# Stripe's ACH Direct Debit test account numbers (routing number 110000000).
BANK_ACCOUNTS: dict[str, Decline | None] = {
    "000123456789": None,
    "000222222227": _ACH_FUNDS,
    "000111111113": _ACH_CLOSED,
    "000111111116": _ACH_MISSING,
}
BANK_TOKENS: dict[str, str] = {
    "pm_usBankAccount": "000123456789",
    "pm_usBankAccount_success": "000123456789",
    "pm_usBankAccount_insufficientFunds": "000222222227",
    "pm_usBankAccount_accountClosed": "000111111113",
    "pm_usBankAccount_noAccount": "000111111116",
}


# Stripe's test card numbers (what Stripe.js sends when a card is typed into an Element).
CARD_NUMBERS: dict[str, str] = {
    "4242424242424242": "visa",
    "4000056655665556": "visa_debit",
    "5555555555554444": "mastercard",
    "378282246310005": "amex",
    "4000000000000002": "chargeDeclined",
    "4000000000009995": "chargeDeclinedInsufficientFunds",
    "4000000000009987": "chargeDeclinedLostCard",
    "4000000000000069": "chargeDeclinedExpiredCard",
    "4000000000000127": "chargeDeclinedIncorrectCvc",
    "4000000000000119": "chargeDeclinedProcessingError",
}
#: Test cards that need 3-D Secure: not emulated, refused with a clear message.
THREE_D_SECURE = ("4000002500003155", "4000002760003184", "4000000000003220", "4000000000003063")


def luhn_valid(number: str) -> bool:
    """Whether a card number passes the Luhn check (digits only, 12 to 19 of them)."""
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_for_number(number: str) -> Behaviour | None:
    """The test card behind a typed number, or None for a number Stripe's test mode refuses."""
    name = CARD_NUMBERS.get(number)
    return CARDS[name] if name else None


def card_for_token(token: str) -> Behaviour | None:
    """The card behind ``pm_card_<name>`` or ``tok_<name>``, if it is a known test token."""
    for prefix in ("pm_card_", "tok_"):
        if token.startswith(prefix):
            return CARDS.get(token[len(prefix):])
    return None


def bank_account(number: str) -> Behaviour:
    """A US bank account; unknown numbers behave like the succeeding test account."""
    return Behaviour(
        "us_bank_account", "", number[-4:], "", decline=BANK_ACCOUNTS.get(number)
    )

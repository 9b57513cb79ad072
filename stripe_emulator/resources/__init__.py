"""The emulated API resources; each module lists its ``ROUTES``."""

from stripe_emulator.resources import (
    charges,
    connect,
    customers,
    events,
    payment_intents,
    reversals,
)

ROUTES = [
    *customers.ROUTES,
    *payment_intents.ROUTES,
    *charges.ROUTES,
    *connect.ROUTES,
    *reversals.ROUTES,
    *events.ROUTES,
]

"""Payments: the Stripe adapter and the ledger (built with the payments issue)."""

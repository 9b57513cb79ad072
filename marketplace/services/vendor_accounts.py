"""Vendors' Stripe Connect accounts: onboarding through Stripe's hosted pages, their state
(copied from Stripe's answers and ``account.updated`` events), and what a vendor received."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.errors import NotFoundError
from marketplace.models import (
    EntryStatus,
    LedgerEntry,
    Organization,
    OrgKind,
    Role,
    StripeAccount,
    User,
)
from marketplace.payments import ledger
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services.audit import record_event
from marketplace.services.scope import get_scoped, require_role, scoped_select


def get_vendor_account(session: Session, actor: User, vendor_id: int) -> StripeAccount | None:
    """The vendor's Stripe account row (None before onboarding starts)."""
    vendor = get_scoped(session, actor, Organization, vendor_id)
    if vendor.kind is not OrgKind.VENDOR:
        raise NotFoundError()
    return session.scalar(scoped_select(actor, StripeAccount, StripeAccount.organization_id == vendor.id))


def vendor_entries(session: Session, actor: User) -> list[LedgerEntry]:
    """The transfers (and reversals) a vendor received, newest first."""
    require_role(actor, Role.VENDOR)
    return list(session.scalars(scoped_select(actor, LedgerEntry, LedgerEntry.status == EntryStatus.DONE)
                                .order_by(LedgerEntry.id.desc()).limit(200)))


def start_onboarding(session: Session, actor: User, gateway: StripeGateway | None, *, return_url: str,
                     refresh_url: str) -> str:
    """The vendor's link to Stripe's hosted onboarding (its Connect express account is made
    on the first visit, once: the key is stored before the call)."""
    require_role(actor, Role.VENDOR)
    gateway = require_gateway(gateway)
    session.commit()
    begin_write(session)
    found = session.scalar(select(StripeAccount.id).where(StripeAccount.organization_id == actor.organization_id))
    if found is None:
        try:
            with session.begin_nested():
                session.add(StripeAccount(organization_id=actor.organization_id,
                                          idempotency_key=f"{ledger.new_key_base('vendor', actor.organization_id)}:account"))
        except IntegrityError:
            pass  # a second click made it first
        session.commit()
    account = session.scalars(select(StripeAccount).where(StripeAccount.organization_id == actor.organization_id)
                              .execution_options(populate_existing=True)).one()
    account_id, stripe_id, key, email, alliance_id = (account.id, account.stripe_id, account.idempotency_key,
                                                      actor.email, actor.alliance_id)
    session.commit()  # no transaction stays open while Stripe is called
    if stripe_id is None:
        made = gateway.create_account(key, email=email, metadata={"organization_id": str(actor.organization_id)})
        account = _lock_account(session, account_id)
        account.stripe_id = stripe_id = account.stripe_id or made["id"]
        record_event(session, actor, "stripe_account.created", account, alliance_id=alliance_id,
                     after={"stripe_id": stripe_id})
        session.commit()
    return gateway.create_account_link(stripe_id, refresh_url=refresh_url, return_url=return_url)


def refresh_vendor_account(session: Session, actor: User, gateway: StripeGateway | None) -> StripeAccount | None:
    """Ask Stripe where the vendor's onboarding stands (on the way back from it)."""
    require_role(actor, Role.VENDOR)
    gateway = require_gateway(gateway)
    account = session.scalar(select(StripeAccount).where(StripeAccount.organization_id == actor.organization_id))
    if account is None or account.stripe_id is None:
        return account
    stripe_id = account.stripe_id
    session.commit()  # no transaction stays open while Stripe is called
    account = apply_account(session, gateway.retrieve_account(stripe_id))
    session.commit()
    return account


def apply_account(session: Session, data: dict[str, Any]) -> StripeAccount | None:
    """Copy an Account's state (an answer or an ``account.updated`` event) onto our row."""
    begin_write(session)
    account = session.scalar(select(StripeAccount).where(StripeAccount.stripe_id == data.get("id")))
    if account is None:
        return None
    account = _lock_account(session, account.id)
    account.details_submitted = bool(data.get("details_submitted"))
    account.payouts_enabled = bool(data.get("payouts_enabled"))
    account.transfers_active = (data.get("capabilities") or {}).get("transfers") == "active"
    session.flush()
    return account


def _lock_account(session: Session, account_id: int) -> StripeAccount:
    begin_write(session)
    return session.scalars(select(StripeAccount).where(StripeAccount.id == account_id).with_for_update()
                           .execution_options(populate_existing=True)).one()

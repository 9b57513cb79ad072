"""The one way to reach rows owned by an organization: every query is scoped to the acting user.

Each model has a *rule*: given the acting user, a SQL condition selecting the rows that user
may see. The hub manager sees the alliance, a director their member, a vendor its own
organization. A model without a rule cannot be queried through here (and a test fails), so a
new table cannot be forgotten. Anything outside the scope is reported as "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.models import (
    Alliance,
    ApiToken,
    AuditEvent,
    Category,
    Cycle,
    CycleOfferVersion,
    DeliveryTerms,
    DemandLine,
    HubFeeSetting,
    Invitation,
    Item,
    LedgerEntry,
    LoginSession,
    MemberShare,
    Notification,
    Offer,
    OfferTier,
    OfferVersion,
    OptimizationRun,
    Organization,
    PaymentAttempt,
    PaymentJob,
    PlanDelivery,
    PlanLine,
    PriceSheet,
    PurchaseOrder,
    PurchaseOrderLine,
    ReconciliationReport,
    RecurringNeed,
    Role,
    SharePayment,
    Site,
    SiteDelivery,
    StripeAccount,
    User,
    WebhookEvent,
)

T = TypeVar("T")
Rule = Callable[[User], ColumnElement[bool]]
RULES: dict[type, Rule] = {}


def scope_rule(model: type) -> Callable[[Rule], Rule]:
    """Register the visibility rule of ``model`` (one per model)."""

    def register(rule: Rule) -> Rule:
        if model in RULES:
            raise ValueError(f"{model.__name__} already has a scope rule")
        RULES[model] = rule
        return rule

    return register


def visible(actor: User, model: type) -> ColumnElement[bool]:
    """The SQL condition for the rows of ``model`` that ``actor`` may see."""
    rule = RULES.get(model)
    if rule is None:
        raise LookupError(f"{model.__name__} has no scope rule: add one in marketplace/services/scope.py")
    if not actor.is_active:
        return false()
    return rule(actor)


def scoped_select(actor: User, model: type[T], *criteria: Any) -> Select[tuple[T]]:
    """``select(model)`` limited to what ``actor`` may see, plus optional extra criteria."""
    return select(model).where(visible(actor, model), *criteria)


def get_scoped(session: Session, actor: User, model: type[T], object_id: int) -> T:
    """The object with this id if ``actor`` may see it; :class:`NotFoundError` otherwise."""
    found = session.scalar(scoped_select(actor, model, model.id == object_id))  # type: ignore[attr-defined]
    if found is None:
        raise NotFoundError()
    return found


def require_role(actor: User, *roles: Role) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` has one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDeniedError("Your role does not allow this.")


def alliance_organization_ids(actor: User) -> Select[tuple[int]]:
    return select(Organization.id).where(Organization.alliance_id == actor.alliance_id)


def owned_by_organization(column: Any, *, roles: tuple[Role, ...] | None = None) -> Rule:
    """The usual rule: the hub sees rows of every organization of its alliance, other users
    the rows of their own organization (only for ``roles``, when given)."""

    def rule(actor: User) -> ColumnElement[bool]:
        if actor.role is Role.HUB_MANAGER:
            return column.in_(alliance_organization_ids(actor))
        if roles is not None and actor.role not in roles:
            return false()
        return column == actor.organization_id

    return rule


def hub_only(column: Any) -> Rule:
    """Rows only the hub of the owning alliance sees (``column`` holds an organization id)."""

    def rule(actor: User) -> ColumnElement[bool]:
        if actor.role is Role.HUB_MANAGER:
            return column.in_(alliance_organization_ids(actor))
        return false()

    return rule


@scope_rule(Alliance)
def _alliance(actor: User) -> ColumnElement[bool]:
    return Alliance.id == actor.alliance_id


@scope_rule(Organization)
def _organization(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return Organization.alliance_id == actor.alliance_id
    return Organization.id == actor.organization_id


@scope_rule(AuditEvent)
def _audit_event(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return AuditEvent.alliance_id == actor.alliance_id
    return false()


@scope_rule(LoginSession)
def _login_session(actor: User) -> ColumnElement[bool]:
    return LoginSession.user_id == actor.id


scope_rule(User)(owned_by_organization(User.organization_id))
scope_rule(Site)(owned_by_organization(Site.organization_id, roles=(Role.DIRECTOR,)))
scope_rule(Invitation)(hub_only(Invitation.organization_id))
# New organization-owned models register their rule here, e.g.
# scope_rule(Need)(owned_by_organization(Need.organization_id, roles=(Role.DIRECTOR,)))


# The catalog is the alliance's: everyone in it may read it (the hub alone edits it).
@scope_rule(Category)
def _category(actor: User) -> ColumnElement[bool]:
    return Category.alliance_id == actor.alliance_id


@scope_rule(Item)
def _item(actor: User) -> ColumnElement[bool]:
    return Item.alliance_id == actor.alliance_id


# A vendor's sheets, offers and terms: the vendor and its hub; directors see none of them.
for _model in (PriceSheet, OfferVersion, Offer, DeliveryTerms):
    scope_rule(_model)(owned_by_organization(_model.organization_id, roles=(Role.VENDOR,)))


@scope_rule(OfferTier)
def _offer_tier(actor: User) -> ColumnElement[bool]:
    return OfferTier.offer_id.in_(select(Offer.id).where(visible(actor, Offer)))


# ---------------------------------------------------------------- purchasing cycles

# Needs and demand lines: the site's member (directors) and its hub; vendors never.
scope_rule(RecurringNeed)(owned_by_organization(RecurringNeed.organization_id, roles=(Role.DIRECTOR,)))
scope_rule(DemandLine)(owned_by_organization(DemandLine.organization_id, roles=(Role.DIRECTOR,)))


@scope_rule(Cycle)
def _cycle(actor: User) -> ColumnElement[bool]:
    # The hub runs cycles; directors take part in every cycle of their alliance.
    if actor.role in (Role.HUB_MANAGER, Role.DIRECTOR):
        return Cycle.alliance_id == actor.alliance_id
    return false()


def _hub_cycle_ids(actor: User) -> Select[tuple[int]]:
    return select(Cycle.id).where(Cycle.alliance_id == actor.alliance_id)


# Runs (their instance and plan name every member's needs and costs): the hub only.
@scope_rule(OptimizationRun)
def _optimization_run(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return OptimizationRun.cycle_id.in_(_hub_cycle_ids(actor))
    return false()


@scope_rule(CycleOfferVersion)
def _cycle_offer_version(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return CycleOfferVersion.cycle_id.in_(_hub_cycle_ids(actor))
    return false()


# A plan's rows and the shares: the hub, and each director for their own member.
for _model in (PlanLine, PlanDelivery, MemberShare):
    scope_rule(_model)(owned_by_organization(_model.member_id, roles=(Role.DIRECTOR,)))

# Purchase orders: the hub and the vendor they are addressed to.
scope_rule(PurchaseOrder)(owned_by_organization(PurchaseOrder.vendor_id, roles=(Role.VENDOR,)))


def _po_part(model: Any) -> Rule:
    """A purchase order's lines and deliveries: the hub, the PO's vendor, the site's director."""

    def rule(actor: User) -> ColumnElement[bool]:
        if actor.role is Role.HUB_MANAGER:
            return model.member_id.in_(alliance_organization_ids(actor))
        if actor.role is Role.VENDOR:
            return model.purchase_order_id.in_(
                select(PurchaseOrder.id).where(PurchaseOrder.vendor_id == actor.organization_id))
        return model.member_id == actor.organization_id

    return rule


scope_rule(PurchaseOrderLine)(_po_part(PurchaseOrderLine))
scope_rule(SiteDelivery)(_po_part(SiteDelivery))


@scope_rule(Notification)
def _notification(actor: User) -> ColumnElement[bool]:
    return or_(Notification.user_id == actor.id, Notification.organization_id == actor.organization_id)


@scope_rule(ApiToken)
def _api_token(actor: User) -> ColumnElement[bool]:
    return ApiToken.user_id == actor.id


# ---------------------------------------------------------------- payments

# A share's payment and its attempts: the member's directors and the hub.
scope_rule(SharePayment)(owned_by_organization(SharePayment.member_id, roles=(Role.DIRECTOR,)))


@scope_rule(PaymentAttempt)
def _payment_attempt(actor: User) -> ColumnElement[bool]:
    return PaymentAttempt.payment_id.in_(select(SharePayment.id).where(visible(actor, SharePayment)))


# The ledger: the hub; a director their member's rows; a vendor the transfers it received.
@scope_rule(LedgerEntry)
def _ledger_entry(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return LedgerEntry.member_id.in_(alliance_organization_ids(actor))
    if actor.role is Role.VENDOR:
        return (LedgerEntry.vendor_id == actor.organization_id) & LedgerEntry.kind.in_(
            ["transfer", "reversal"])
    return LedgerEntry.member_id == actor.organization_id


# A vendor's Stripe account: the vendor and its hub.
scope_rule(StripeAccount)(owned_by_organization(StripeAccount.organization_id, roles=(Role.VENDOR,)))


@scope_rule(HubFeeSetting)
def _hub_fee_setting(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return HubFeeSetting.alliance_id == actor.alliance_id
    return false()


@scope_rule(ReconciliationReport)
def _reconciliation_report(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return ReconciliationReport.cycle_id.in_(_hub_cycle_ids(actor))
    return false()


@scope_rule(PaymentJob)
def _payment_job(actor: User) -> ColumnElement[bool]:
    if actor.role is Role.HUB_MANAGER:
        return PaymentJob.cycle_id.in_(_hub_cycle_ids(actor))
    return false()


# Stripe's events belong to no organization: only the webhook endpoint writes and reads them.
@scope_rule(WebhookEvent)
def _webhook_event(actor: User) -> ColumnElement[bool]:
    return false()

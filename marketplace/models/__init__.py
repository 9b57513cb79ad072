"""The data model, one aggregate per module. Importing this package registers every table."""

from marketplace.models.api_tokens import ApiToken
from marketplace.models.audit import AuditEvent
from marketplace.models.catalog import ITEM_ATTRIBUTES, Category, Item
from marketplace.models.cycles import (
    Cycle,
    CycleOfferVersion,
    CycleStatus,
    DemandLine,
    DemandSource,
)
from marketplace.models.delivery_terms import DeliveryTerms
from marketplace.models.invitations import Invitation
from marketplace.models.needs import Cadence, RecurringNeed
from marketplace.models.notifications import Notification
from marketplace.models.offers import (
    Discount,
    Offer,
    OfferTier,
    OfferVersion,
    PriceSheet,
    SheetStatus,
)
from marketplace.models.organizations import Alliance, Organization, OrgKind
from marketplace.models.payments import (
    AttemptStatus,
    EntryKind,
    EntryStatus,
    HubFeeSetting,
    LedgerEntry,
    PaymentAttempt,
    PaymentJob,
    PaymentJobKind,
    PaymentJobStatus,
    PaymentStatus,
    ReconciliationReport,
    SharePayment,
    StripeAccount,
    WebhookEvent,
)
from marketplace.models.purchase_orders import (
    DeliveryStatus,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    SiteDelivery,
)
from marketplace.models.runs import OptimizationRun, PlanDelivery, PlanLine, RunStatus
from marketplace.models.shares import MemberShare, ShareStatus
from marketplace.models.sites import Site
from marketplace.models.users import ROLE_FOR_KIND, LoginSession, Role, User, normalise_email

__all__ = [
    "ITEM_ATTRIBUTES",
    "ROLE_FOR_KIND",
    "Alliance",
    "ApiToken",
    "AttemptStatus",
    "AuditEvent",
    "Cadence",
    "Category",
    "Cycle",
    "CycleOfferVersion",
    "CycleStatus",
    "DeliveryStatus",
    "DeliveryTerms",
    "DemandLine",
    "DemandSource",
    "Discount",
    "EntryKind",
    "EntryStatus",
    "HubFeeSetting",
    "Invitation",
    "Item",
    "LedgerEntry",
    "LoginSession",
    "MemberShare",
    "Notification",
    "Offer",
    "OfferTier",
    "OfferVersion",
    "OptimizationRun",
    "OrgKind",
    "Organization",
    "POStatus",
    "PaymentAttempt",
    "PaymentJob",
    "PaymentJobKind",
    "PaymentJobStatus",
    "PaymentStatus",
    "PlanDelivery",
    "PlanLine",
    "PriceSheet",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReconciliationReport",
    "RecurringNeed",
    "Role",
    "RunStatus",
    "SharePayment",
    "ShareStatus",
    "SheetStatus",
    "Site",
    "SiteDelivery",
    "StripeAccount",
    "User",
    "WebhookEvent",
    "normalise_email",
]

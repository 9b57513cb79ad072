"""The data model, one aggregate per module. Importing this package registers every table."""

from marketplace.models.audit import AuditEvent
from marketplace.models.catalog import ITEM_ATTRIBUTES, Category, Item
from marketplace.models.delivery_terms import DeliveryTerms
from marketplace.models.invitations import Invitation
from marketplace.models.offers import (
    Discount,
    Offer,
    OfferTier,
    OfferVersion,
    PriceSheet,
    SheetStatus,
)
from marketplace.models.organizations import Alliance, Organization, OrgKind
from marketplace.models.sites import Site
from marketplace.models.users import ROLE_FOR_KIND, LoginSession, Role, User, normalise_email

__all__ = [
    "ITEM_ATTRIBUTES",
    "ROLE_FOR_KIND",
    "Alliance",
    "AuditEvent",
    "Category",
    "DeliveryTerms",
    "Discount",
    "Invitation",
    "Item",
    "LoginSession",
    "Offer",
    "OfferTier",
    "OfferVersion",
    "OrgKind",
    "Organization",
    "PriceSheet",
    "Role",
    "SheetStatus",
    "Site",
    "User",
    "normalise_email",
]

"""The data model, one aggregate per module. Importing this package registers every table."""

from marketplace.models.audit import AuditEvent
from marketplace.models.invitations import Invitation
from marketplace.models.organizations import Alliance, Organization, OrgKind
from marketplace.models.sites import Site
from marketplace.models.users import ROLE_FOR_KIND, LoginSession, Role, User, normalise_email

__all__ = [
    "ROLE_FOR_KIND",
    "Alliance",
    "AuditEvent",
    "Invitation",
    "LoginSession",
    "OrgKind",
    "Organization",
    "Role",
    "Site",
    "User",
    "normalise_email",
]

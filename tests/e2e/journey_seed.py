"""A small alliance for the browser journey: three demo members (one site each), the demo's hub
manager, vendors, catalog, price sheets and recurring needs, made by the demo's own steps.

Three sites keep each optimizer run to a few seconds on a loaded machine, so the journey can
watch the progress bar to the end twice and still finish quickly.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.models import Alliance, OrgKind, Role, Site
from marketplace.services import demo
from marketplace.services.catalog_demo import seed_catalog, seed_vendor_offers
from marketplace.services.cycles_demo import seed_needs

ALLIANCE = "Scott-Rice Journey Alliance"
#: Single-site demo members in three towns (see marketplace/seed/demo_centers.csv).
MEMBERS = ("Woodpark Montessori", "New Horizon Academy", "Faithful Beginnings Preschools")


def seed_members(context: demo.DemoContext) -> None:
    """The chosen members of the demo, each with its director and its sites."""
    rows = [row for row in demo.demo_centers() if row["member"] in MEMBERS]
    for row in rows:
        member = demo._organization(context, OrgKind.MEMBER, row["member"])
        if not any(login.organization == member.name for login in context.logins):
            demo._user(context, member, Role.DIRECTOR, f"director.{demo.email_slug(member.name)}@example.org",
                       f"Director, {member.name}")
        several = sum(1 for other in rows if other["member"] == row["member"]) > 1
        context.session.add(Site(organization=member, name=f"{row['name']} ({row['city']})" if several else row["name"],
                                 city=row["city"], zip_code=row["zip"], region_code=row["zip"],
                                 licensed_capacity=int(row["capacity"]), license_number=row["license_number"]))
    context.session.flush()


def seed_journey_alliance(session: Session) -> list[demo.DemoLogin]:
    """Seed the small alliance into an empty database (commits); return its logins."""
    alliance = Alliance(name=ALLIANCE)
    session.add(alliance)
    session.flush()
    context = demo.DemoContext(session, alliance)
    for step in (demo.seed_hub, seed_members, demo.seed_vendors, seed_catalog, seed_vendor_offers, seed_needs):
        step(context)
    session.commit()
    return context.logins

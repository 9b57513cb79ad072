import pytest
from sqlalchemy import select

import marketplace.models  # noqa: F401
from marketplace.db import Base
from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.models import AuditEvent, Invitation, Organization, Site, User
from marketplace.services import sites
from marketplace.services.scope import RULES, get_scoped, scoped_select


def test_every_table_has_a_scope_rule():
    missing = [m.class_.__name__ for m in Base.registry.mappers if m.class_ not in RULES]
    assert missing == [], f"add a rule in marketplace/services/scope.py for: {missing}"


def names(session, actor, model, attribute="name"):
    return {getattr(row, attribute) for row in session.scalars(scoped_select(actor, model))}


def test_hub_sees_its_alliance_and_nothing_of_the_other(session, world):
    orgs = names(session, world.hub, Organization)
    assert {"SECRET-Member-X", "Member Y", "SECRET-Vendor-V", "Hub A"} == orgs
    assert names(session, world.hub, Site) == {"SECRET-Site-X", "Site Y"}
    assert "SECRET-Director-Z" not in names(session, world.hub, User)
    assert names(session, world.other_hub, Site) == {"SECRET-Site-Z"}


def test_director_sees_only_their_member(session, world):
    assert names(session, world.dx, Organization) == {"SECRET-Member-X"}
    assert names(session, world.dx, Site) == {"SECRET-Site-X"}
    assert names(session, world.dx, User) == {"SECRET-Director-X"}
    assert names(session, world.dx, Invitation, "email") == set()
    assert names(session, world.dx, AuditEvent, "action") == set()


def test_vendor_sees_its_company_and_no_site(session, world):
    assert names(session, world.vendor, Organization) == {"SECRET-Vendor-V"}
    assert names(session, world.vendor, Site) == set()
    assert names(session, world.vendor, User) == {"SECRET-Vendor-User"}


def test_foreign_id_is_not_found_not_forbidden(session, world):
    for actor in (world.dy, world.vendor, world.other_hub, world.dz):
        with pytest.raises(NotFoundError):
            get_scoped(session, actor, Site, world.site_x.id)


def test_deactivated_user_sees_nothing(session, world):
    world.dx.active = False
    session.flush()
    assert names(session, world.dx, Site) == set()


def test_hub_may_look_at_a_site_but_only_its_director_may_change_it(session, world):
    assert sites.get_site(session, world.hub, world.site_x.id).name == "SECRET-Site-X"
    data = sites.SiteInput(name="Renamed", city="Savage", zip_code="55378", licensed_capacity=10)
    with pytest.raises(PermissionDeniedError):
        sites.update_site(session, world.hub, world.site_x.id, data)
    assert session.scalar(select(Site.name).where(Site.id == world.site_x.id)) == "SECRET-Site-X"

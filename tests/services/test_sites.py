from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import ValidationError
from marketplace.models import AuditEvent
from marketplace.services import sites
from marketplace.services.sites import SiteInput, check_site_input

GOOD = SiteInput(name="Sunrise", city="Savage", zip_code="55378", licensed_capacity=80)


def test_check_site_input_accepts_good_input_and_names_each_bad_field():
    assert check_site_input(GOOD) == {}
    assert check_site_input(SiteInput(name="X", city="Y", zip_code="55378-1234", licensed_capacity=1)) == {}
    errors = check_site_input(SiteInput(name="", city="", zip_code="5537", licensed_capacity=0,
                                        region_code="bad code"))
    assert set(errors) == {"name", "city", "zip_code", "licensed_capacity", "region_code"}
    assert "licensed_capacity" in check_site_input(SiteInput("a", "b", "55378", None))
    assert "licensed_capacity" in check_site_input(SiteInput("a", "b", "55378", 2001))


def test_create_site_in_the_directors_member_with_audit(session, world):
    site = sites.create_site(session, world.dy, GOOD)
    assert site.organization_id == world.member_y.id and site.region_code == "55378"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "site.created"))
    assert event.object_id == site.id and event.after["name"] == "Sunrise" and event.actor_id == world.dy.id


def test_invalid_site_is_not_stored(session, world):
    before = len(sites.list_sites(session, world.dy))
    with pytest.raises(ValidationError) as error:
        sites.create_site(session, world.dy, SiteInput(name="A", city="B", zip_code="1", licensed_capacity=5))
    assert error.value.field_errors == {"zip_code": "Enter a 5-digit ZIP code, like 55379 "
                                                    "(or ZIP+4, like 55379-1234)."}
    assert len(sites.list_sites(session, world.dy)) == before


def test_database_refuses_a_non_positive_capacity(session, world):
    from sqlalchemy.exc import IntegrityError

    world.site_x.licensed_capacity = 0
    with pytest.raises(IntegrityError):
        session.flush()

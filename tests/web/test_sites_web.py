from __future__ import annotations

from sqlalchemy import select

from marketplace.models import AuditEvent, Site


def test_director_adds_edits_and_deactivates_a_site(session, world, make_client):
    director = make_client(world.dx)
    response = director.post("/sites/new", {"name": "Sunrise North", "address": "1 Main St", "city": "Savage",
                                            "zip_code": "55378", "region_code": "", "licensed_capacity": "1,20"})
    assert response.status_code == 302
    site = session.scalar(select(Site).where(Site.name == "Sunrise North"))
    assert site.organization_id == world.member_x.id
    assert site.region_code == "55378" and site.licensed_capacity == 120
    page = director.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sunrise North" in page and "120 children" in page

    director.post(f"/sites/{site.id}/edit", {"name": "Sunrise North", "address": "1 Main St", "city": "Savage",
                                             "zip_code": "55378", "region_code": "mn-scott",
                                             "licensed_capacity": "95"})
    session.expire_all()
    assert (site.region_code, site.licensed_capacity) == ("MN-SCOTT", 95)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "site.updated")).one()
    assert event.before["licensed_capacity"] == 120 and event.after["licensed_capacity"] == 95
    assert event.actor_id == world.dx.id

    row = ">Sunrise North</a>"
    director.post(f"/sites/{site.id}/deactivate", follow_redirects=True)
    assert row not in director.get("/sites").get_data(as_text=True)
    assert row in director.get("/sites?inactive=1").get_data(as_text=True)
    director.post(f"/sites/{site.id}/reactivate", follow_redirects=True)
    assert row in director.get("/sites").get_data(as_text=True)


def test_lists_show_only_what_each_role_may_see(world, make_client):
    hub_page = make_client(world.hub).get("/sites").get_data(as_text=True)
    assert "SECRET-Site-X" in hub_page and "Site Y" in hub_page and "SECRET-Site-Z" not in hub_page
    director_page = make_client(world.dx).get("/sites").get_data(as_text=True)
    assert "SECRET-Site-X" in director_page and "Site Y" not in director_page
    vendor_page = make_client(world.vendor).get("/sites").get_data(as_text=True)
    assert "SECRET-Site-X" not in vendor_page and "Site Y" not in vendor_page
    orgs = make_client(world.dy).get("/organizations").get_data(as_text=True)
    assert "Member Y" in orgs and "SECRET-Member-X" not in orgs


def test_search_finds_sites_by_member_name(world, make_client):
    page = make_client(world.hub).get("/sites?q=member-x").get_data(as_text=True)
    assert "SECRET-Site-X" in page and "Site Y" not in page


def test_hub_switches_a_member_off_and_its_director_cannot_log_in(world, make_client):
    hub = make_client(world.hub)
    assert hub.post(f"/organizations/{world.member_y.id}/deactivate").status_code == 302
    response = make_client().post("/login", {"email": world.dy.email, "password": "correct-horse-battery"})
    assert response.status_code == 401
    assert hub.post(f"/organizations/{world.hub.organization_id}/deactivate").status_code == 403

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.models import Invitation, Organization, OrgKind, User


def invitation_link(page: str) -> str:
    match = re.search(r'id="invite-link" class="input" readonly value="http://localhost(/invitations/accept/[^"]+)"',
                      page)
    assert match, "the new invitation link is shown to the hub manager"
    return match.group(1)


def test_hub_invites_a_member_whose_director_sets_a_password_and_logs_in(session, world, make_client):
    hub = make_client(world.hub)
    response = hub.post("/invitations/new/member", {"organization_name": "Sunrise Early Learning",
                                                    "name": "Rosa Diaz", "email": "Rosa@Example.org"})
    assert response.status_code == 302
    page = hub.get("/invitations").get_data(as_text=True)
    link = invitation_link(page)
    assert "rosa@example.org" in page and "Pending" in page
    assert "invite-link" not in hub.get("/invitations").get_data(as_text=True)  # shown once

    invitee = make_client()
    form = invitee.get(link)
    assert form.status_code == 200 and "Sunrise Early Learning" in form.get_data(as_text=True)
    done = invitee.post(link, {"name": "Rosa Diaz", "password": "sunrise-rosa-2024",
                               "password_confirm": "sunrise-rosa-2024"})
    assert done.status_code == 302
    invitee.login("ROSA@example.org", "sunrise-rosa-2024")
    dashboard = invitee.get("/").get_data(as_text=True)
    assert "Sunrise Early Learning" in dashboard and "Add your first site" in dashboard

    user = session.scalar(select(User).where(User.email == "rosa@example.org"))
    assert user.role.value == "director" and user.organization.kind is OrgKind.MEMBER
    assert make_client().get(link).status_code == 400  # single use


def test_hub_invites_a_vendor(session, world, make_client):
    hub = make_client(world.hub)
    hub.post("/invitations/new/vendor", {"organization_name": "Valley Dairy", "name": "Val",
                                         "email": "val@valley.example.org"})
    link = invitation_link(hub.get("/invitations").get_data(as_text=True))
    make_client().post(link, {"name": "Val", "password": "valley-dairy-pass", "password_confirm": "valley-dairy-pass"})
    vendor = make_client()
    vendor.login("val@valley.example.org", "valley-dairy-pass")
    assert "Valley Dairy" in vendor.get("/").get_data(as_text=True)
    org = session.scalar(select(Organization).where(Organization.name == "Valley Dairy"))
    assert org.kind is OrgKind.VENDOR and org.alliance_id == world.hub.alliance_id


def test_resend_replaces_the_link_and_revoke_kills_it(session, world, make_client):
    hub = make_client(world.hub)
    old_link = f"/invitations/accept/{world.invitation.token}"
    invitation_id = world.invitation.invitation.id
    assert hub.post(f"/invitations/{invitation_id}/resend").status_code == 302
    new_link = invitation_link(hub.get("/invitations").get_data(as_text=True))
    assert new_link != old_link
    assert make_client().get(old_link).status_code == 400
    assert make_client().get(new_link).status_code == 200
    assert hub.post(f"/invitations/{invitation_id}/revoke").status_code == 302
    response = make_client().get(new_link)
    assert response.status_code == 400 and "revoked" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Invitation, invitation_id).revoked_at is not None


def test_hub_invites_another_person_into_an_existing_member(world, make_client):
    hub = make_client(world.hub)
    response = hub.post(f"/organizations/{world.member_y.id}/invite", {"name": "Second Director",
                                                                     "email": "second@example.org"})
    assert response.status_code == 302
    assert "second@example.org" in hub.get("/invitations").get_data(as_text=True)
    assert make_client(world.dy).get(f"/organizations/{world.member_y.id}/invite").status_code == 403


def test_logged_in_user_cannot_accept_someone_elses_invitation(world, make_client):
    response = make_client(world.dy).post(f"/invitations/accept/{world.invitation.token}",
                                          {"name": "x", "password": "whatever-long", "password_confirm": "whatever-long"})
    assert response.status_code == 409

"""The demo alliance's recurring needs: every site has some, seeding twice adds none, and a
cycle opened on them gives the optimizer a valid instance."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.models import RecurringNeed, Role, Site, User
from marketplace.services import cycles
from marketplace.services.cycles import CycleInput
from marketplace.services.demo import seed_demo
from marketplace.services.run_instance import InstanceOptions, build_instance
from optimizer import load_instance


def test_demo_sites_get_weekly_needs_once_and_they_make_a_valid_instance(session):
    seed_demo(session)
    needs = session.scalar(select(func.count(RecurringNeed.id)))
    sites = session.scalar(select(func.count(Site.id)))
    assert session.scalar(select(func.count(func.distinct(RecurringNeed.site_id)))) == sites
    assert needs >= sites * 15
    seed_demo(session)
    assert session.scalar(select(func.count(RecurringNeed.id))) == needs
    hub = session.scalars(select(User).where(User.role == Role.HUB_MANAGER)).one()
    now = utcnow()
    cycle = cycles.create_cycle(session, hub, CycleInput("Demo", now, now + timedelta(days=5),
                                                         (now + timedelta(days=9)).date(), 28))
    assert cycles.open_cycle(session, hub, cycle.id, now=now) == needs
    built = build_instance(session, cycle, InstanceOptions())
    instance = load_instance(built.data)
    assert len(instance.demands) == needs and len(instance.vendors) == 3

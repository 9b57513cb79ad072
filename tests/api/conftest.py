"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.api.client import ApiClient, make_token
from tests.plan_factories import build_plan_world


@pytest.fixture
def as_(app, session):
    """``as_(user)``: an API client acting as ``user`` (a fresh token)."""

    def client(user):
        return ApiClient(app, make_token(session, user))

    return client


@pytest.fixture
def pw(session, world):
    """World A with a cycle of a real plan to run (``tests.plan_factories``)."""
    return build_plan_world(session, world)

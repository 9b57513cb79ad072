"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.api.client import ApiClient, make_token


@pytest.fixture
def as_(app, session):
    """``as_(user)``: an API client acting as ``user`` (a fresh token)."""

    def client(user):
        return ApiClient(app, make_token(session, user))

    return client

import os

import pytest

os.environ.setdefault("PROFROST_TESTING", "true")


@pytest.fixture
def world(db):
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login

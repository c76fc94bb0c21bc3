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


# Browser tests: Playwright drives Debian's Chromium (Playwright cannot download its own browser here).
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }

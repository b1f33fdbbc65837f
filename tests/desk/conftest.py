"""The desk app on a real initialised home, every default person with a known password."""
from __future__ import annotations

import pytest

from desk import auth
from desk.app import create_app
from tests.desk.test_pages import PASSWORD, PEOPLE


@pytest.fixture
def desk(home):
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    return create_app(home.path, "test-token")

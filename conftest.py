"""Test set-up shared by every app: regions loaded once per database, and the personas."""

from __future__ import annotations

import pytest

from anju.regions.loader import load_regions


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_regions()


@pytest.fixture
def regions_loaded(transactional_db):
    """For transactional tests (browser, live server): the flush between them empties regions."""
    from anju.regions.models import Region

    if not Region.objects.exists():
        load_regions()


@pytest.fixture
def personas(db):
    from anju.accounts.tests.factories import make_personas

    return make_personas()

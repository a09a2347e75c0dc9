"""Test set-up shared by every app: regions loaded once per database, media in a temporary
folder, and the personas."""

from __future__ import annotations

import pytest

from anju.regions.loader import load_regions


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_regions()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploads and error reports written by tests go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


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

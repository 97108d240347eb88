"""Shared fixtures: the named personas every test module uses."""

import os

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection

from patients.tests.factories import PatientFactory, ScarAssessmentFactory, ScarFactory, UserFactory


def pytest_configure(config):
    """Test processes running side by side (pytest-xdist) keep apart in a shared cache (Redis)."""
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    # Tasks run in the test's own process and transaction, with REDIS_URL set or not: a test sees what
    # a task did. notifications/tests/test_worker.py runs a real worker against Redis.
    from cryocare.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def _user_with_role(username: str, role: str | None):
    user = UserFactory(username=username)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def clinician(db):
    return _user_with_role("dr_clinician", "Clinician")


@pytest.fixture
def clinic_admin(db):
    return _user_with_role("desk_admin", "Clinic admin")


@pytest.fixture
def outsider(db):
    """Logged in, but with no clinic role."""
    return _user_with_role("outsider", None)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture
def admin_client_(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.fixture
def scar(patient):
    return ScarFactory(patient=patient)


@pytest.fixture
def assessment(scar, clinician):
    return ScarAssessmentFactory(scar=scar, assessor=clinician)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real password hashing costs most of a second per user; tests only need it to be a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with an empty cache: the clinic and the parameters are cached, and a cached
    # row must not outlive the test database transaction it was read in.
    cache.clear()
    connection.singletons_changed = set()

"""The clinic's details are read once and cached; a saved change is read at once, a rolled-back
one never reaches the cache."""

import pytest
from django.db import transaction

from clinic.models import Clinic
from protocols.models import ProtocolParameters

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Both rows created and committed, as they are in a running clinic (the first read creates them)."""
    with django_capture_on_commit_callbacks(execute=True):
        Clinic.current()
        ProtocolParameters.current()


def test_the_clinic_and_the_parameters_are_read_once(committed, django_assert_num_queries):
    Clinic.current()
    ProtocolParameters.current()
    with django_assert_num_queries(0):
        assert Clinic.current().pk == 1
        assert ProtocolParameters.current().pk == 1


def test_a_row_created_in_a_transaction_is_not_cached_before_it_commits(django_assert_num_queries):
    Clinic.current()  # created here, in the test's transaction
    with django_assert_num_queries(1):
        Clinic.current()


def test_a_saved_change_is_read_at_once(committed):
    clinic = Clinic.current()
    clinic.name = "Harbour Clinic"
    clinic.save()
    assert Clinic.current().name == "Harbour Clinic"


def test_a_change_rolled_back_never_reaches_the_cache(committed):
    Clinic.current()
    with transaction.atomic():
        clinic = Clinic.current()
        clinic.time_zone = "Europe/Madrid"
        clinic.save()
        assert Clinic.current().time_zone == "Europe/Madrid"  # this transaction sees its own change
        transaction.set_rollback(True)
    assert Clinic.objects.get().time_zone != "Europe/Madrid"
    assert Clinic.current().time_zone != "Europe/Madrid"

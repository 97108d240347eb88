"""Query counts stay flat: every list and detail page makes as many queries with 200 rows as with 10.

The list pages are measured on a clinic made by `seed_scale` at each size, the detail pages on one
patient whose scar has that many assessments, sessions and visits. Each size is built inside a
transaction that is rolled back, so both are measured in one test and compared.
"""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.roles import CLINICIAN
from patients.tests.factories import PatientFactory, ScarAssessmentFactory, ScarFactory, UserFactory
from sessions.models import Appointment
from sessions.tests.factories import TreatmentSessionFactory

SIZES = (10, 200)
NOW = datetime.datetime(2026, 11, 20, 11, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _client() -> Client:
    user = UserFactory(username="counting_clinician")
    user.groups.add(Group.objects.get_or_create(name=CLINICIAN)[0])
    client = Client()
    client.force_login(user)
    return client


def _measure(client: Client, urls: dict[str, str]) -> dict[str, tuple[int, int]]:
    """(queries, bytes) of each page, read once first so that the cached clinic is not counted."""
    figures = {}
    for name, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        figures[name] = (len(queries.captured_queries), len(response.content))
    return figures


def _busiest() -> datetime.date:
    """The day with the most visits of the scaled clinic's patients."""
    row = (
        Appointment.objects.filter(patient__mrn__startswith="SCALE-")
        .annotate(day=TruncDate("starts_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("-n", "day")
        .first()
    )
    return row["day"]


def _list_pages() -> dict[str, str]:
    day = _busiest()
    return {
        "patient list": reverse("patients:list"),
        "patient search": reverse("patients:list") + "?q=a",
        "worklist": reverse("sessions:due"),
        "worklist CSV": reverse("sessions:due_csv"),
        "day calendar": reverse("sessions:calendar_day") + f"?date={day}",
        "week calendar": reverse("sessions:calendar_week") + f"?date={day}",
    }


def _assert_flat(figures: dict[int, dict[str, tuple[int, int]]], *, growing) -> None:
    """The same number of queries at both sizes on every page; more shown at 200 on the `growing` ones."""
    small, large = figures[SIZES[0]], figures[SIZES[1]]
    for page in small:
        assert large[page][0] == small[page][0], (
            f"{page}: {small[page][0]} queries for 10 rows, {large[page][0]} for 200"
        )
    for page in growing:
        assert large[page][1] > small[page][1], f"{page} shows no more rows at 200 than at 10"


def test_list_pages_make_as_many_queries_for_200_patients_as_for_10():
    figures = {}
    for size in SIZES:
        with transaction.atomic():
            call_command("seed_scale", patients=size, today=TODAY.isoformat(), force=True, stdout=io.StringIO())
            figures[size] = _measure(_client(), _list_pages())
            transaction.set_rollback(True)
    _assert_flat(figures, growing=figures[SIZES[0]])


def _patient_with_history(rows: int):
    """A patient whose scar has `rows` assessments and signed sessions, a week apart."""
    patient = PatientFactory()
    scar = ScarFactory(patient=patient)
    for n in range(rows):
        day = TODAY - datetime.timedelta(days=7 * (n + 1))
        ScarAssessmentFactory(scar=scar, assessed_on=day)
        TreatmentSessionFactory(scar=scar, performed_on=day)
    for _ in range(rows // 10):
        ScarFactory(patient=patient)
    return patient, scar


def test_detail_pages_make_as_many_queries_for_200_records_as_for_10():
    figures = {}
    for size in SIZES:
        with transaction.atomic():
            patient, scar = _patient_with_history(size)
            appointment = Appointment.objects.filter(patient=patient).order_by("-starts_at").first()
            figures[size] = _measure(
                _client(),
                {
                    "patient page": reverse("sessions:patient", args=[patient.pk]),
                    "scar page": reverse("sessions:scar", args=[scar.pk]),
                    "record history": reverse("patients:history", args=[patient.pk]),
                    "access log": reverse("patients:access_log", args=[patient.pk]),
                    "appointment": reverse("sessions:appointment", args=[appointment.pk]),
                },
            )
            transaction.set_rollback(True)
    # The pages that list the records show more of them.
    _assert_flat(figures, growing=("patient page", "scar page", "record history"))

"""Fixtures of the schedule's tests: a room, and a clinic open (and a clinician working) all week."""

import datetime

import pytest

from clinic.models import OpeningHours, WorkingHours
from sessions.tests.factories import RoomFactory


@pytest.fixture
def room(db):
    return RoomFactory(name="Room A")


@pytest.fixture
def open_every_day(db, clinician):
    """The clinic and the clinician work 08:00–18:00 every day (the clinic's zone is UTC in tests).

    A module that books visits uses it for every test: `pytestmark = pytest.mark.usefixtures("open_every_day")`.
    """
    for weekday in range(7):
        OpeningHours.objects.create(weekday=weekday, opens=datetime.time(8), closes=datetime.time(18))
        WorkingHours.objects.create(
            clinician=clinician, weekday=weekday, starts=datetime.time(8), ends=datetime.time(18)
        )

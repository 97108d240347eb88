"""Query parameters typed or altered by hand are ignored or refused with a message: never a server error."""

import pytest
from django.test import Client


@pytest.fixture
def client_(clinician):
    # Let a server error surface as a 500 response, as a user would meet it, rather than re-raise it.
    client = Client(raise_request_exception=False)
    client.force_login(clinician)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/schedule/due/?clinician=%C2%B2",  # "²" passes str.isdigit() but is no number
        "/schedule/due/?clinician=99999999999999999999999999",
        "/schedule/due.csv?clinician=%C2%B2",
        "/schedule/due/?page=%C2%B2",
        "/schedule/calendar/week/?clinician=%C2%B2",
        "/schedule/calendar/day/?date=2025-02-30",
        "/patients/?page=%C2%B2",
    ],
)
def test_lists_ignore_a_bad_parameter(client_, url):
    assert client_.get(url).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "slot=2025-02-30T10:00",  # well formed, no such day
        "slot=2025-13-01T10:00",
        "slot=not-a-time",
        "clinician=%C2%B2&room=%C2%B2",
        "clinician=99999999999999999999999999",
    ],
)
def test_the_booking_page_ignores_a_bad_proposed_slot(client_, scar, query):
    assert client_.get(f"/schedule/book/{scar.pk}/?{query}").status_code == 200

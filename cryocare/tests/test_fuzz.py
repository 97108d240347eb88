"""Hypothesis-generated input on every form and the JSON API: never a 500, and a refused
submission leaves the database as it was.

Each form page of the URL matrix is opened as a clinician (a clinic admin for the set-up), its
field names are read from the page, and generated values are posted to it: markup, long and
unusual text, huge and negative numbers, impossible dates, empty values.
"""

import json
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryocare.tests.test_url_matrix import MATRIX, objects  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow

VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "<script>alert(1)</script>", "x" * 5000, "1800-01-01", "9999-12-31", "2026-02-30",
                     "-1", "0", "10" * 200, str(10**400), "NaN", "1e400", "on", "yes", "\x00", "日本語", "'; --"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)  # fmt: skip
FORM_PAGES = sorted(
    name for name, (_params, expected) in MATRIX.items()
    if expected["clinician"] == 200 and name not in ("home", "health", "login", "session_keepalive")
) + ["clinic:settings"]  # fmt: skip
SKIP_FIELDS = {"csrfmiddlewaretoken"}


# What a refused submission must leave as it was: every table but the logs and the log-in sessions.
NOT_RECORDS = ("patients.AccessEvent", "sessions.", "axes.")


def _counts() -> dict:
    models = [m for m in apps.get_models() if not m._meta.label.startswith(NOT_RECORDS)]
    return {m._meta.label: m._default_manager.count() for m in models if "Historical" not in m.__name__}


def _fields(html: str) -> list[str]:
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)
    return sorted(set(names) - SKIP_FIELDS)


@pytest.mark.parametrize("name", FORM_PAGES)
def test_generated_input_on_every_form_never_gives_a_500(name, objects, clinician, clinic_admin):  # noqa: F811
    params, _expected = MATRIX[name]
    url = reverse(name, kwargs={key: objects.get(value, value) for key, value in params.items()})
    client = Client(raise_request_exception=False)
    client.force_login(clinic_admin if name.startswith("clinic:") else clinician)
    page = client.get(url)
    if not page["Content-Type"].startswith("text/html"):
        pytest.skip("not a page with a form (a file or an export)")
    fields = _fields(page.content.decode()) or ["q"]

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.fixed_dictionaries({}, optional={field: VALUES for field in fields}))
    def post(data):
        before = _counts()
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        if response.status_code in (200, 400, 403, 404, 405):  # refused: the page again, or an error
            assert _counts() == before, (url, data)

    post()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20,
    )
)
def test_generated_json_on_the_api_never_gives_a_500(clinician_api, document):
    response = clinician_api.post(
        reverse("protocols:api_evaluate"), json.dumps(document), content_type="application/json"
    )
    assert response.status_code in (200, 400), response.content[:300]


@pytest.fixture
def clinician_api(clinician):
    client = Client(raise_request_exception=False)
    client.force_login(clinician)
    return client

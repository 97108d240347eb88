"""The protocol parameters page (RULES.md §6b): clinic staff read, clinicians change with a reason, every
change is logged, a value outside the bounds is refused on its field and by the database."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from protocols import services
from protocols.limits import BOUNDS, PARAMETER_BOUNDS, PARAMETER_DEFAULTS
from protocols.models import ProtocolParameters, ProtocolParametersChange

URL = reverse("protocols:parameters")
REASON = "Clinic meeting 2025-03: stricter contact freezes for darker skin types."

pytestmark = pytest.mark.django_db


def post(client, reason: str = REASON, **changes):
    data = ProtocolParameters.current().parameter_values() | changes | {"reason": reason}
    return client.post(URL, data)


def in_force() -> dict[str, int]:
    return ProtocolParameters.current().parameter_values()


# --- Reading ---------------------------------------------------------------------------------


def test_a_clinician_sees_the_values_in_force_and_the_form(clinician_client):
    ProtocolParameters.objects.update_or_create(pk=1, defaults={"min_interval_days": 25})

    response = clinician_client.get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="parameter-min_interval_days"' in body and "25 days" in body and "14–28 days" in body
    assert response.context["form"] is not None


def test_a_clinic_admin_reads_the_values_without_a_form(admin_client_):
    response = admin_client_.get(URL)

    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Only a clinician can change them." in response.content.decode()


def test_the_page_is_linked_from_the_navigation(admin_client_):
    assert f'href="{URL}"' in admin_client_.get(reverse("protocols:rules")).content.decode()


def test_an_outsider_gets_404(client, outsider):
    client.force_login(outsider)

    assert client.get(URL).status_code == 404
    assert post(client, min_interval_days=28).status_code == 404
    assert ProtocolParametersChange.objects.count() == 0


# --- Changing --------------------------------------------------------------------------------


def test_a_clinician_changes_the_parameters_with_a_reason(clinician_client, clinician):
    response = post(clinician_client, contact_max_freeze_seconds=25, pregnancy_status_valid_days=14)

    assert response.status_code == 302 and response.url == URL
    assert in_force() == PARAMETER_DEFAULTS | {"contact_max_freeze_seconds": 25, "pregnancy_status_valid_days": 14}
    change = ProtocolParametersChange.objects.get()
    assert change.changed_by == clinician
    assert change.reason == REASON
    assert change.changes == {
        "contact_max_freeze_seconds": {"old": 30, "new": 25},
        "pregnancy_status_valid_days": {"old": 30, "new": 14},
    }
    assert ProtocolParameters.history.latest().history_user == clinician


def test_the_change_log_shows_who_old_new_and_why(clinician_client, clinician):
    post(clinician_client, max_interval_days=35)

    body = clinician_client.get(URL).content.decode()

    assert f'id="change-{ProtocolParametersChange.objects.get().pk}"' in body
    assert "42 → <strong>35</strong> days" in body
    assert clinician.get_username() in body or clinician.get_full_name() in body
    assert REASON in body


def test_decisions_use_the_changed_values(clinician_client):
    post(clinician_client, min_interval_days=28, max_interval_days=56, pregnancy_status_valid_days=60)

    parameters = services.clinic_parameters()

    assert (parameters["min_interval_days"], parameters["max_interval_days"]) == (28, 56)
    assert parameters["pregnancy_status_valid_days"] == 60


@pytest.mark.parametrize("reason", ["", "   ", "too short", "  9 chars  "], ids=["empty", "blank", "9", "padded_9"])
def test_a_reason_shorter_than_10_characters_is_refused(clinician_client, reason):
    response = post(clinician_client, reason=reason, min_interval_days=28)

    assert response.status_code == 200
    assert response.context["form"].has_error("reason")
    assert in_force() == PARAMETER_DEFAULTS
    assert ProtocolParametersChange.objects.count() == 0


def test_a_value_outside_its_bounds_comes_back_on_its_field_with_the_bound(clinician_client):
    response = post(clinician_client, spray_max_freeze_seconds=25)

    assert response.status_code == 200
    assert response.context["form"].errors["spray_max_freeze_seconds"] == ["Must be 5–20 s (RULES.md §6b), not 25."]
    assert in_force() == PARAMETER_DEFAULTS
    assert ProtocolParametersChange.objects.count() == 0


def test_a_minimum_interval_not_below_the_maximum_is_refused_on_the_minimum(clinician_client):
    response = post(clinician_client, min_interval_days=28, max_interval_days=28)

    assert response.context["form"].errors["min_interval_days"] == [
        "Must be less than max_interval_days (28; RULES.md §6b), not 28."
    ]
    assert in_force() == PARAMETER_DEFAULTS


def test_saving_the_values_already_in_force_is_refused(clinician_client):
    response = post(clinician_client)

    assert response.status_code == 200
    assert "Nothing to change" in response.content.decode()
    assert ProtocolParametersChange.objects.count() == 0


def test_a_clinic_admin_cannot_change_them(admin_client_):
    response = post(admin_client_, min_interval_days=28)

    assert response.status_code == 403
    assert in_force() == PARAMETER_DEFAULTS
    assert ProtocolParametersChange.objects.count() == 0


def test_the_service_refuses_a_short_reason_and_an_out_of_bounds_value_by_field(clinician):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as short:
        services.protocol_parameters_change(user=clinician, values={"min_interval_days": 28}, reason=" 123456789 ")
    with pytest.raises(ValidationError) as out:
        services.protocol_parameters_change(user=clinician, values={"max_session_minutes": 50}, reason=REASON)

    assert list(short.value.message_dict) == ["reason"]
    assert out.value.message_dict == {"max_session_minutes": ["Must be 20–45 min (RULES.md §6b), not 50."]}
    assert in_force() == PARAMETER_DEFAULTS
    assert ProtocolParametersChange.objects.count() == 0


def test_the_service_refuses_a_clinic_admin(clinic_admin):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.protocol_parameters_change(user=clinic_admin, values={"min_interval_days": 28}, reason=REASON)
    assert in_force() == PARAMETER_DEFAULTS


# --- Every bound at its edge, through the page -------------------------------------------------

EDGES = [(bound.field, edge) for bound in PARAMETER_BOUNDS for edge in (bound.low, bound.high)]
PAST = [(bound.field, past) for bound in PARAMETER_BOUNDS for past in (bound.low - 1, bound.high + 1)]


@pytest.mark.parametrize(("field", "value"), EDGES, ids=[f"{field}_{value}" for field, value in EDGES])
def test_every_bound_at_its_edge_is_accepted(clinician_client, field, value):
    bound = BOUNDS[field]
    # Start from the other edge, so that the value posted is a change.
    other = bound.high if value == bound.low else bound.low
    ProtocolParameters.objects.update_or_create(pk=1, defaults={field: other})

    response = post(clinician_client, **{field: value})

    assert response.status_code == 302
    assert in_force()[field] == value
    assert ProtocolParametersChange.objects.get().changes == {field: {"old": other, "new": value}}


@pytest.mark.parametrize(("field", "value"), PAST, ids=[f"{field}_{value}" for field, value in PAST])
def test_one_past_each_bound_is_refused_on_its_field(clinician_client, field, value):
    response = post(clinician_client, **{field: value})

    assert response.status_code == 200
    bound = BOUNDS[field]
    [message] = response.context["form"].errors[field]
    assert f"{bound.low}–{bound.high} {bound.unit}" in message
    assert in_force() == PARAMETER_DEFAULTS


# --- The database holds the bounds itself ------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), PAST, ids=[f"{field}_{value}" for field, value in PAST])
def test_the_database_refuses_a_value_outside_its_bounds(field, value):
    ProtocolParameters.current()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolParameters.objects.filter(pk=1).update(**{field: value})

    assert in_force() == PARAMETER_DEFAULTS


@pytest.mark.parametrize(
    "values",
    [
        {"min_interval_days": 28, "max_interval_days": 28},
        {"min_session_minutes": 20, "max_session_minutes": 20},
    ],
    ids=["interval", "session_minutes"],
)
def test_the_database_refuses_a_minimum_not_below_its_maximum(values):
    # min_session_minutes 20 is outside its bounds too: either constraint refuses the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolParameters.objects.create(pk=1, **values)


def test_the_database_refuses_a_change_logged_without_a_reason(clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolParametersChange.objects.create(changed_by=clinician, reason="short", changes={})


# --- The Django admin only shows them ----------------------------------------------------------


def test_the_django_admin_cannot_change_the_parameters(admin_client):
    ProtocolParameters.current()
    url = reverse("admin:protocols_protocolparameters_change", args=[1])

    assert admin_client.get(url).status_code == 200  # shown, read-only
    response = admin_client.post(url, PARAMETER_DEFAULTS | {"min_interval_days": 28})

    assert response.status_code == 403
    assert in_force() == PARAMETER_DEFAULTS
    assert admin_client.get(reverse("admin:protocols_protocolparameters_add")).status_code == 403

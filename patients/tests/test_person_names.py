"""People are named by their full name everywhere (their log-in only where they have no name)."""

from django.template import Context, Template
from django.urls import reverse

from patients.roles import person_name
from patients.tests.factories import UserFactory


def test_a_user_is_named_by_full_name_or_else_log_in(db):
    assert person_name(UserFactory(username="amoreno", first_name="Ana", last_name="Moreno")) == "Ana Moreno"
    assert person_name(UserFactory(username="desk2")) == "desk2"
    assert Template("{% load people %}{{ u|person }}").render(Context({"u": None})) == ""


def test_the_record_history_names_who_changed_it(clinician_client, clinician, patient):
    clinician.first_name, clinician.last_name = "Ana", "Moreno"
    clinician.save()
    clinician_client.post(
        reverse("patients:condition_add", args=[patient.pk]), {"code": "diabetes", "onset_date": "", "note": ""}
    )
    body = clinician_client.get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "<td>Ana Moreno</td>" in body and "<td>dr_clinician</td>" not in body

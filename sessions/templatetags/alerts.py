"""`{% patient_alerts patient %}`: the alerts of the patient banner (sessions.alerts)."""

from django import template

from clinic.models import Clinic
from sessions.alerts import patient_alerts as alerts_for

register = template.Library()


@register.inclusion_tag("partials/patient_alerts.html")
def patient_alerts(patient) -> dict:
    return {"alerts": alerts_for(patient, today=Clinic.current().date_of()), "patient": patient}

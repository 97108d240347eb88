"""Access to schedule and treatment records (see patients.access for the rules)."""

from django.http import Http404, HttpRequest

from patients.access import log_access, require_clinic_staff, require_clinician
from patients.models import AccessEvent
from sessions.models import Appointment, DocumentLink, PatientDocument, SessionAdverseEvent, TreatmentSession


def access_appointment(request: HttpRequest, appointment_id: int, *, write: bool = False) -> Appointment:
    """Both roles keep the schedule, so both may change an appointment (services check clinical steps)."""
    require_clinic_staff(request.user)
    try:
        appointment = Appointment.objects.select_related("patient", "clinician", "room", "booked_by").get(
            pk=appointment_id
        )
    except Appointment.DoesNotExist:
        raise Http404 from None
    log_access(
        request, appointment, appointment.patient, AccessEvent.Action.CHANGE if write else AccessEvent.Action.VIEW
    )
    return appointment


def access_treatment(request: HttpRequest, session_id: int, *, write: bool = False) -> TreatmentSession:
    """Treatment records are read by clinic staff and written by clinicians only."""
    (require_clinician if write else require_clinic_staff)(request.user)
    try:
        session = TreatmentSession.objects.select_related("appointment__patient", "scar").get(pk=session_id)
    except TreatmentSession.DoesNotExist:
        raise Http404 from None
    log_access(
        request, session, session.appointment.patient, AccessEvent.Action.CHANGE if write else AccessEvent.Action.VIEW
    )
    return session


def access_adverse_event(request: HttpRequest, event_id: int) -> SessionAdverseEvent:
    require_clinician(request.user)
    try:
        event = SessionAdverseEvent.objects.select_related("session__appointment__patient").get(pk=event_id)
    except SessionAdverseEvent.DoesNotExist:
        raise Http404 from None
    log_access(request, event, event.session.appointment.patient, AccessEvent.Action.CHANGE)
    return event


def access_document(
    request: HttpRequest, document_id: int, *, action: str = AccessEvent.Action.VIEW
) -> PatientDocument:
    require_clinic_staff(request.user)
    try:
        document = PatientDocument.objects.select_related("patient", "appointment", "printed_by").get(pk=document_id)
    except PatientDocument.DoesNotExist:
        raise Http404 from None
    log_access(request, document, document.patient, action)
    return document


def access_document_link(request: HttpRequest, link_id: int) -> DocumentLink:
    require_clinic_staff(request.user)
    try:
        link = DocumentLink.objects.select_related("document__patient").get(pk=link_id)
    except DocumentLink.DoesNotExist:
        raise Http404 from None
    log_access(request, link, link.document.patient, AccessEvent.Action.CHANGE)
    return link

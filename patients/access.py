"""Roles and object access: the one place where the server decides who may see or change what.

Every view that touches a patient's record starts with one `access_*` helper. A user without a
clinic role gets 404 for every object, so that no answer reveals whether a record exists. Reads
and writes are recorded as `AccessEvent`s.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from patients.models import AccessEvent, AssessmentPhoto, Patient, Scar, ScarAssessment

CLINICIAN = "Clinician"
CLINIC_ADMIN = "Clinic admin"
ROLES = (CLINICIAN, CLINIC_ADMIN)

User = AbstractBaseUser | AnonymousUser


def clinician_users() -> QuerySet:
    """Active users with the Clinician role, by name: who can be booked, filtered on, or treat."""
    return (
        get_user_model()
        .objects.filter(groups__name=CLINICIAN, is_active=True)
        .order_by("last_name", "first_name", "username")
    )


def user_roles(user: User) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cryocare_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._cryocare_roles = cached
    return cached


def is_clinician(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or CLINICIAN in user_roles(user))


def is_clinic_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or CLINIC_ADMIN in user_roles(user))


def is_clinic_staff(user: User) -> bool:
    """Anyone with a clinic role may read clinical records."""
    return is_clinician(user) or is_clinic_admin(user)


def require_clinic_staff(user: User) -> None:
    if not is_clinic_staff(user):
        raise Http404


def require_clinician(user: User) -> None:
    """Clinical records (history, scars, assessments, sessions) are written by clinicians only."""
    require_clinic_staff(user)
    if not is_clinician(user):
        raise PermissionDenied("Only clinicians can change clinical records.")


def can_edit_demographics(user: User) -> bool:
    return is_clinic_staff(user)


def _log(request: HttpRequest, action: str, obj, patient: Patient) -> None:
    AccessEvent.objects.create(
        user=request.user,
        action=action,
        patient=patient,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        path=request.get_full_path()[:300],
    )


def log_access(request: HttpRequest, obj, patient: Patient, action: str = AccessEvent.Action.VIEW) -> None:
    _log(request, action, obj, patient)


def access_patient(request: HttpRequest, patient_id: int, *, write: bool = False) -> Patient:
    """The patient, if this user may see it (and change its demographics when `write`)."""
    require_clinic_staff(request.user)
    try:
        patient = Patient.objects.get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    _log(request, AccessEvent.Action.CHANGE if write else AccessEvent.Action.VIEW, patient, patient)
    return patient


def access_scar(request: HttpRequest, scar_id: int, *, write: bool = False) -> Scar:
    (require_clinician if write else require_clinic_staff)(request.user)
    try:
        scar = Scar.objects.select_related("patient").get(pk=scar_id)
    except Scar.DoesNotExist:
        raise Http404 from None
    _log(request, AccessEvent.Action.CHANGE if write else AccessEvent.Action.VIEW, scar, scar.patient)
    return scar


def access_assessment(request: HttpRequest, assessment_id: int, *, write: bool = False) -> ScarAssessment:
    (require_clinician if write else require_clinic_staff)(request.user)
    try:
        assessment = ScarAssessment.objects.select_related("scar__patient", "assessor").get(pk=assessment_id)
    except ScarAssessment.DoesNotExist:
        raise Http404 from None
    _log(request, AccessEvent.Action.CHANGE if write else AccessEvent.Action.VIEW, assessment, assessment.scar.patient)
    return assessment


def access_photo(request: HttpRequest, photo_id: int) -> AssessmentPhoto:
    require_clinic_staff(request.user)
    try:
        photo = AssessmentPhoto.objects.select_related("assessment__scar__patient").get(pk=photo_id)
    except AssessmentPhoto.DoesNotExist:
        raise Http404 from None
    _log(request, AccessEvent.Action.VIEW, photo, photo.assessment.scar.patient)
    return photo

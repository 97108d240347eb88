"""The one access layer: the place where the server decides who may see or change what.

Every view starts here. `require(user, need)` guards a page that shows no single record (a list,
the calendar, the clinic set-up); `access(request, Model, pk, need)` loads one record for a view.
Both answer the same way everywhere:

- a user without a clinic role gets 404 for everything, so no answer reveals that a record exists;
- a user whose role does not allow the need gets 403;
- `access` records the read (or the change) of the patient's record once, as an `AccessEvent`.

A record finds its patient through its model's `patient_path` (`"scar__patient"` for an
assessment); a `Patient` is its own patient. Templates get `can_*` flags built from `can()`
(see `patients.context_processors`), never the roles themselves.
"""

import ipaddress
from enum import StrEnum
from operator import attrgetter
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from patients.models import AccessEvent, Patient
from patients.roles import CLINIC_ADMIN, CLINICIAN, ROLES, User, user_roles


class Need(StrEnum):
    """What a view needs to do with a record."""

    READ = "read"  # see clinical records and the schedule: both roles
    CLINICAL_WRITE = "clinical_write"  # history, scars, assessments, treatment records: clinicians
    DEMOGRAPHICS_WRITE = "demographics_write"  # a patient's details: both roles
    SCHEDULE_WRITE = "schedule_write"  # book, move, cancel; print sheets: both roles (services check clinical steps)
    CLINIC_SETUP = "clinic_setup"  # the clinic's details, rooms and hours: clinic admins
    OWN_CALENDAR = "own_calendar"  # a private calendar feed of one's own appointments: clinicians


ALLOWED_ROLES: dict[Need, frozenset[str]] = {
    Need.READ: frozenset(ROLES),
    Need.CLINICAL_WRITE: frozenset({CLINICIAN}),
    Need.DEMOGRAPHICS_WRITE: frozenset(ROLES),
    Need.SCHEDULE_WRITE: frozenset(ROLES),
    Need.CLINIC_SETUP: frozenset({CLINIC_ADMIN}),
    Need.OWN_CALENDAR: frozenset({CLINICIAN}),
}
REFUSALS = {
    Need.CLINICAL_WRITE: "Only clinicians can change clinical records.",
    Need.CLINIC_SETUP: "Only clinic admins can change the clinic set-up.",
    Need.OWN_CALENDAR: "Calendar feeds are for clinicians.",
}
M = TypeVar("M", bound=Model)


def can(user: User, need: Need) -> bool:
    return not ALLOWED_ROLES[need].isdisjoint(user_roles(user))


def require(user: User, need: Need) -> None:
    """404 without a clinic role, 403 with a role that does not allow `need`."""
    if not user_roles(user):
        raise Http404
    if not can(user, need):
        raise PermissionDenied(REFUSALS.get(need, "Your role does not allow this."))


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the one the nearest of `LOGIN_PROXY_COUNT` trusted proxies saw (each
    appends to X-Forwarded-For; anything further left could be made up by the client), or the
    connection's own address without a proxy. Log-in lockout counts failures against it too."""
    count = settings.LOGIN_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def log_event(
    request: HttpRequest | None,
    *,
    action: str,
    object_type: str,
    object_id: str = "",
    patient: Patient | None = None,
    user=None,
    detail: str = "",
    rows: int | None = None,
    path: str = "",
) -> AccessEvent:
    """One entry of the access log: who (the request's user, or `user` for a token URL), what, when,
    from where. A command has no request: it passes None and names itself in `path`."""
    address = None
    if request is not None:
        if user is None and request.user.is_authenticated:
            user = request.user
        address = client_address(request)
        try:
            ipaddress.ip_address(address or "")
        except ValueError:
            address = None
        path = request.get_full_path()
    return AccessEvent.objects.create(
        user=user,
        action=action,
        patient=patient,
        object_type=object_type,
        object_id=str(object_id)[:40],
        detail=detail[:300],
        row_count=rows,
        address=address,
        path=path[:300],
    )


def log_access(request: HttpRequest, obj: Model, patient: Patient | None, action: str) -> None:
    log_event(request, action=action, object_type=obj._meta.model_name, object_id=str(obj.pk), patient=patient)


def log_list(request: HttpRequest, name: str, *, rows: int, action: str = AccessEvent.Action.VIEW, user=None) -> None:
    """A list or an export of many patients' data: which list, its filter (the query string) and
    how many rows it showed."""
    filters = "&".join(f"{key}={value}" for key, value in request.GET.items() if key != "page")
    log_event(request, action=action, object_type="list", object_id=name, detail=filters, rows=rows, user=user)


def access(
    request: HttpRequest, records: type[M] | QuerySet[M], pk: int, need: Need = Need.READ, *, action: str = ""
) -> M:
    """The record `pk` of `records` (a model or a queryset to load it with), if this user may `need` it.

    The access is logged once: a view for a read or an opened form, a change for a write, unless
    `action` names another (an export).
    """
    require(request.user, need)
    queryset = records if isinstance(records, QuerySet) else records._default_manager.all()
    path = queryset.model.patient_path
    if path:
        queryset = queryset.select_related(path)
    try:
        obj = queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    patient = attrgetter(path.replace("__", "."))(obj) if path else obj
    if not action:
        # Opening a form (a GET) is a read; the POST that saves it is the change.
        changing = need != Need.READ and request.method not in ("GET", "HEAD")
        action = AccessEvent.Action.CHANGE if changing else AccessEvent.Action.VIEW
    log_access(request, obj, patient, action)
    return obj

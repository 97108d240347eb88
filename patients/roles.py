"""The clinic roles: who is what, the Django-admin permissions that go with each role, and the
audit of role changes. What each role may do with a record is decided in `patients.access`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import QuerySet
from simple_history.models import HistoricalRecords

from patients.models import RoleChange

CLINICIAN = "Clinician"
CLINIC_ADMIN = "Clinic admin"
ROLES = (CLINICIAN, CLINIC_ADMIN)

User = AbstractBaseUser | AnonymousUser


def user_roles(user: User) -> frozenset[str]:
    """The user's clinic roles (a superuser has both), read once per request."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLES)
    cached = getattr(user, "_cryocare_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._cryocare_roles = cached
    return cached


def person_name(user) -> str:
    """How a user is named on every page, sheet and export: their full name, else their log-in."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def is_clinician(user: User) -> bool:
    return CLINICIAN in user_roles(user)


def clinician_users() -> QuerySet:
    """Active users with the Clinician role, by name: who can be booked, filtered on, or treat."""
    return (
        get_user_model()
        .objects.filter(groups__name=CLINICIAN, is_active=True)
        .order_by("last_name", "first_name", "username")
    )


# Clinic admins keep the clinic set-up in the Django admin too and may look at the protocol
# parameters there; clinicians change those on the app's own page (RULES.md §6b). They also unlock
# a locked-out log-in there, by deleting its failed attempts (django-axes).
ADMIN_SITE_PERMISSIONS = {
    "Clinic admin": [
        ("protocols", "view_protocolparameters"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("notifications", "view_message"),  # the outbox, with its *retry* action
        *[
            ("clinic", f"{action}_{model}")
            for model in ("clinic", "openinghours", "room", "workinghours", "closure")
            for action in ("view", "add", "change")
        ],
    ],
}


def role_permissions_sync() -> None:
    for role, perms in ADMIN_SITE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, codename in perms:
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.add(*wanted)


def _acting_user():
    """The logged-in user of the current request, if any (set by simple_history's middleware)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def role_change_record(*, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:
    """Record every change of a user's groups, whichever way it is made (admin, shell, code)."""
    kinds = {"post_add": RoleChange.Action.GRANTED, "post_remove": RoleChange.Action.REVOKED}
    if action == "pre_clear":
        # A clear() does not pass the removed groups afterwards: record them before they go.
        groups = instance.groups.all() if not reverse else None
        users = [instance] if not reverse else list(instance.user_set.all())
        pairs = [(instance, g.name) for g in groups] if groups is not None else [(u, instance.name) for u in users]
        RoleChange.objects.bulk_create(
            RoleChange(user=u, role=name, action=RoleChange.Action.REVOKED, changed_by=_acting_user())
            for u, name in pairs
        )
        return
    if action not in kinds or not pk_set:
        return
    if reverse:  # group.user_set.add(users)
        pairs = [(user, instance.name) for user in get_user_model().objects.filter(pk__in=pk_set)]
    else:  # user.groups.add(groups)
        pairs = [(instance, group.name) for group in Group.objects.filter(pk__in=pk_set)]
    RoleChange.objects.bulk_create(
        RoleChange(user=user, role=name, action=kinds[action], changed_by=_acting_user()) for user, name in pairs
    )

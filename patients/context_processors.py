from patients.access import Need, can
from patients.roles import ROLES, user_roles


def access_flags(request) -> dict:
    """`can_<need>` for every need of the access layer (`can_clinical_write`, `can_clinic_setup`, ...)
    and the user's roles for the navigation bar: templates show or hide, the server decides."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    roles = user_roles(user)
    return {f"can_{need}": can(user, need) for need in Need} | {"user_roles": [r for r in ROLES if r in roles]}

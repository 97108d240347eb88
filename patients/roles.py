"""Django-admin permissions that go with each clinic role (the app's own checks are in access.py)."""

from django.contrib.auth.models import Group, Permission

# Clinic admins adjust protocol parameters and clinic set-up in the Django admin; clinicians
# work in the application itself.
ADMIN_SITE_PERMISSIONS = {
    "Clinic admin": [
        ("protocols", "view_protocolparameters"),
        ("protocols", "change_protocolparameters"),
        *[
            ("treatment_sessions", f"{action}_{model}")
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

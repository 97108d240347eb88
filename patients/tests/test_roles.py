from django.contrib.auth.models import Group
from django.urls import reverse

from patients.models import RoleChange
from patients.tests.factories import UserFactory


def test_changing_a_users_roles_in_the_admin_is_audited(client, db):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    nurse = UserFactory(username="nurse")
    client.force_login(boss)
    clinician = Group.objects.get(name="Clinician")
    response = client.post(
        reverse("admin:auth_user_change", args=[nurse.pk]),
        {
            "username": "nurse",
            "is_active": "on",
            "groups": [clinician.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    change = RoleChange.objects.get(user=nurse)
    assert (change.role, change.action, change.changed_by) == ("Clinician", "granted", boss)


def test_removing_a_role_in_code_is_audited(db):
    user = UserFactory(username="temp")
    group = Group.objects.get(name="Clinic admin")
    user.groups.add(group)
    user.groups.remove(group)
    group.user_set.add(user)
    user.groups.clear()
    assert list(RoleChange.objects.order_by("pk").values_list("role", "action")) == [
        ("Clinic admin", "granted"),
        ("Clinic admin", "revoked"),
        ("Clinic admin", "granted"),
        ("Clinic admin", "revoked"),
    ]

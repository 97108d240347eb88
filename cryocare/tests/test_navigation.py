"""The menu: the day's work first; protocol and clinic administration folded into two menus, each
shown only to those who may use what is in it."""

from django.urls import reverse


def _menu(client):
    html = client.get(reverse("home")).content.decode()
    return html.split('id="nav"')[1].split("</nav>")[0]


def test_a_clinician_gets_the_days_work_and_the_protocol_menu(clinician_client):
    menu = _menu(clinician_client)
    days_work = ["sessions:calendar_day", "sessions:due", "sessions:requests"]
    for url in [*days_work, "protocols:rules", "protocols:parameters"]:
        assert f'href="{reverse(url)}"' in menu
    assert ">Clinic</a>" not in menu
    assert reverse("notifications:outbox") not in menu


def test_a_clinic_admin_also_gets_the_clinic_menu(admin_client_):
    menu = _menu(admin_client_)
    clinic_menu = menu.split(">Clinic</a>")[1]
    for url in ["clinic:settings", "notifications:outbox", "patients:access_log_search"]:
        assert f'href="{reverse(url)}"' in clinic_menu
    assert menu.index(reverse("sessions:calendar_day")) < menu.index(">Protocol</a>") < menu.index(">Clinic</a>")

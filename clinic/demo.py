"""The demo clinic: details, opening hours, rooms and the demo clinicians' working hours (idempotent)."""

from datetime import time

from django.contrib.auth import get_user_model
from django.db import transaction

from clinic.models import Clinic, OpeningHours, Room, WorkingHours


@transaction.atomic
def seed_clinic() -> bool:
    clinic = Clinic.current()
    if clinic.phone:
        return False
    clinic.name = "Riverside Scar Clinic"
    clinic.address = "12 Riverside Walk, London SE1 9PG"
    clinic.phone = "+44 20 7946 0100"
    clinic.after_hours_advice = "Outside opening hours call NHS 111, or 999 in an emergency."
    clinic.after_hours_advice_es = "Fuera del horario de la clínica, llame al 111 del NHS o, en una urgencia, al 999."
    clinic.time_zone = "Europe/London"
    clinic.save()
    for weekday in range(5):
        OpeningHours.objects.create(weekday=weekday, opens=time(8, 30), closes=time(17, 30))
    for name in ("Room 1", "Room 2 (cryo unit)"):
        Room.objects.get_or_create(name=name)
    for username in ("clinician", "clinician2"):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            continue
        for weekday in range(5):
            WorkingHours.objects.create(clinician=user, weekday=weekday, starts=time(9, 0), ends=time(17, 0))
    return True

"""Fill each scar's `last_freeze_by` (patients 0007): the clinician of the visit of its last freeze,
read as `sessions.services.scars_last_freeze_refresh` reads it."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def fill(apps, schema_editor):
    Scar = apps.get_model("patients", "Scar")
    TreatmentSession = apps.get_model("treatment_sessions", "TreatmentSession")
    last = (
        TreatmentSession.objects.filter(scar=OuterRef("pk"), entered_in_error=False)
        .exclude(appointment__status__in=["cancelled", "no_show"])
        .filter(Q(completed_at__isnull=False) | Q(freeze_seconds__isnull=False) | Q(cycles__isnull=False))
        .order_by("-performed_on", "-pk")
    )
    Scar.objects.update(
        last_freeze_on=Subquery(last.values("performed_on")[:1]),
        last_freeze_by=Subquery(last.values("appointment__clinician")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_scar_last_freeze_by"),
        ("treatment_sessions", "0009_scar_last_freeze_filled"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

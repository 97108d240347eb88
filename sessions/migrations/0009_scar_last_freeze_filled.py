"""Fill each scar's `last_freeze_on` (patients 0006) from its treatment records, as
`sessions.selectors.freezes` reads them: a recorded freeze or a signed record, not entered in
error, not of a cancelled or missed visit."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def fill(apps, schema_editor):
    Scar = apps.get_model("patients", "Scar")
    TreatmentSession = apps.get_model("treatment_sessions", "TreatmentSession")
    last = (
        TreatmentSession.objects.filter(scar=OuterRef("pk"), entered_in_error=False)
        .exclude(appointment__status__in=["cancelled", "no_show"])
        .filter(Q(completed_at__isnull=False) | Q(freeze_seconds__isnull=False) | Q(cycles__isnull=False))
        .order_by("-performed_on")
        .values("performed_on")[:1]
    )
    Scar.objects.update(last_freeze_on=Subquery(last))


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_scar_last_freeze"),
        ("treatment_sessions", "0008_review_visits_and_to_reschedule"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

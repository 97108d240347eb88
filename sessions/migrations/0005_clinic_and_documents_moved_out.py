"""Clinic set-up and patient documents move to their own apps, step 3 of 3: this app lets go of them.

The database already has them under the new apps (0004 renamed the tables), so only Django's
picture of the models changes here, plus the content types, so that permissions and admin history
follow the models.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "clinic": ["clinic", "historicalclinic", "openinghours", "room", "workinghours", "closure"],
    "documents": ["patientdocument", "historicalpatientdocument", "documentlink", "historicaldocumentlink"],
}


def _content_types_move(apps, old: str, new: dict[str, str]) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, label in new.items():
        if not content_type.objects.filter(app_label=label, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=label)


def content_types_forwards(apps, schema_editor):
    _content_types_move(apps, "treatment_sessions", {m: label for label, ms in MOVED.items() for m in ms})


def content_types_backwards(apps, schema_editor):
    for label, models_ in MOVED.items():
        _content_types_move(apps, label, {m: "treatment_sessions" for m in models_})


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("clinic", "0001_initial"),
        ("documents", "0001_initial"),
        ("treatment_sessions", "0004_clinic_and_document_tables_renamed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name="Clinic",
                ),
                migrations.RemoveField(
                    model_name="closure",
                    name="clinician",
                ),
                migrations.RemoveField(
                    model_name="documentlink",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="documentlink",
                    name="document",
                ),
                migrations.RemoveField(
                    model_name="documentlink",
                    name="revoked_by",
                ),
                migrations.RemoveField(
                    model_name="historicalclinic",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentlink",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentlink",
                    name="document",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentlink",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentlink",
                    name="revoked_by",
                ),
                migrations.RemoveField(
                    model_name="historicalpatientdocument",
                    name="appointment",
                ),
                migrations.RemoveField(
                    model_name="historicalpatientdocument",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalpatientdocument",
                    name="patient",
                ),
                migrations.RemoveField(
                    model_name="historicalpatientdocument",
                    name="printed_by",
                ),
                migrations.DeleteModel(
                    name="OpeningHours",
                ),
                migrations.RemoveField(
                    model_name="patientdocument",
                    name="appointment",
                ),
                migrations.RemoveField(
                    model_name="patientdocument",
                    name="patient",
                ),
                migrations.RemoveField(
                    model_name="patientdocument",
                    name="printed_by",
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="room",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="appointments", to="clinic.room"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalappointment",
                    name="room",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clinic.room",
                    ),
                ),
                migrations.RemoveField(
                    model_name="workinghours",
                    name="clinician",
                ),
                migrations.DeleteModel(
                    name="Closure",
                ),
                migrations.DeleteModel(
                    name="DocumentLink",
                ),
                migrations.DeleteModel(
                    name="HistoricalClinic",
                ),
                migrations.DeleteModel(
                    name="HistoricalDocumentLink",
                ),
                migrations.DeleteModel(
                    name="HistoricalPatientDocument",
                ),
                migrations.DeleteModel(
                    name="PatientDocument",
                ),
                migrations.DeleteModel(
                    name="Room",
                ),
                migrations.DeleteModel(
                    name="WorkingHours",
                ),
            ],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]

"""Clinic set-up and patient documents move to their own apps (`clinic`, `documents`), step 1 of 3.

The tables are renamed to the new apps' names here; `clinic.0001` and `documents.0001` then take
the models over without touching the database, and `0005` drops them from this app. No row moves.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("treatment_sessions", "0003_patient_documents"),
    ]

    operations = [
        migrations.AlterModelTable(name="clinic", table="clinic_clinic"),
        migrations.AlterModelTable(name="historicalclinic", table="clinic_historicalclinic"),
        migrations.AlterModelTable(name="openinghours", table="clinic_openinghours"),
        migrations.AlterModelTable(name="room", table="clinic_room"),
        migrations.AlterModelTable(name="workinghours", table="clinic_workinghours"),
        migrations.AlterModelTable(name="closure", table="clinic_closure"),
        migrations.AlterModelTable(name="patientdocument", table="documents_patientdocument"),
        migrations.AlterModelTable(name="historicalpatientdocument", table="documents_historicalpatientdocument"),
        migrations.AlterModelTable(name="documentlink", table="documents_documentlink"),
        migrations.AlterModelTable(name="historicaldocumentlink", table="documents_historicaldocumentlink"),
    ]

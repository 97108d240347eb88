"""Patient search (name or medical record number, any part of it, any case) served by an index on
PostgreSQL: a trigram index (pg_trgm) on each of the three columns, upper-cased as Django's
`icontains` compares them. SQLite has no such index; the search there reads the table and finds
the same patients."""

from django.db import migrations

COLUMNS = ("family_name", "given_name", "mrn")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS patient_search_{column} "
            f"ON patients_patient USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS patient_search_{column}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0007_scar_last_freeze_by")]

    operations = [migrations.RunPython(forward, backward)]

"""The database refuses overlapping appointments for one clinician, one room or one patient.

Only appointments that hold a place in the schedule count (requested, scheduled, checked in,
completed). PostgreSQL enforces it with exclusion constraints over time ranges, which also hold
when two requests book the same slot at the same moment; SQLite, which serialises writes, with
triggers. Either way the insert or update fails with an IntegrityError.
"""

from django.db import migrations

ACTIVE = "('requested', 'scheduled', 'checked_in', 'completed')"
TABLE = "treatment_sessions_appointment"
COLUMNS = ("clinician_id", "room_id", "patient_id")

POSTGRES_FORWARD = ["CREATE EXTENSION IF NOT EXISTS btree_gist"] + [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT appointment_no_overlap_{column.removesuffix('_id')} "
    f"EXCLUDE USING gist ({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE (status IN {ACTIVE})"
    for column in COLUMNS
]
POSTGRES_BACKWARD = [
    f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS appointment_no_overlap_{column.removesuffix('_id')}"
    for column in COLUMNS
]

_SQLITE_CHECK = f"""
BEGIN
  SELECT RAISE(ABORT, 'appointment_no_overlap: the clinician, room or patient already has an appointment at that time')
  WHERE NEW.status IN {ACTIVE} AND EXISTS (
    SELECT 1 FROM {TABLE} other
    WHERE other.id != NEW.id
      AND other.status IN {ACTIVE}
      AND (other.clinician_id = NEW.clinician_id OR other.room_id = NEW.room_id OR other.patient_id = NEW.patient_id)
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
  );
END"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON {TABLE} {_SQLITE_CHECK}",
    f"CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE ON {TABLE} {_SQLITE_CHECK}",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0001_schedule_and_treatment_records")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]

"""Review visits (RULES.md §6a) and visits flagged to reschedule.

SQLite rebuilds the appointment table to add the columns, which drops the triggers that refuse
overlapping appointments there (migration 0002); they are installed again at the end.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

_no_overlap = importlib.import_module("sessions.migrations.0002_no_overlapping_appointments")


def _sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _no_overlap.SQLITE_BACKWARD + _no_overlap.SQLITE_FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0001_initial'),
        ('patients', '0005_course_end'),
        ('treatment_sessions', '0007_check_in_findings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='kind',
            field=models.CharField(choices=[('treatment', 'Treatment'), ('review', 'Review (assessment and follow-up, no freezing)')], default='treatment', max_length=10),
        ),
        migrations.AddField(
            model_name='appointment',
            name='reschedule_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='historicalappointment',
            name='kind',
            field=models.CharField(choices=[('treatment', 'Treatment'), ('review', 'Review (assessment and follow-up, no freezing)')], default='treatment', max_length=10),
        ),
        migrations.AddField(
            model_name='historicalappointment',
            name='reschedule_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='appointmentscar',
            name='technique',
            field=models.CharField(blank=True, choices=[('spray', 'Spray'), ('contact', 'Contact'), ('intralesional', 'Intralesional')], max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalappointmentscar',
            name='technique',
            field=models.CharField(blank=True, choices=[('spray', 'Spray'), ('contact', 'Contact'), ('intralesional', 'Intralesional')], max_length=20),
        ),
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(condition=models.Q(('reschedule_reason', ''), _negated=True), fields=['starts_at'], name='appointment_to_reschedule'),
        ),
        migrations.RunPython(_sqlite_triggers_again, migrations.RunPython.noop),
    ]

"""The clinic app takes over its models from `treatment_sessions`, step 2 of 3: the tables exist
already (renamed by treatment_sessions.0004), so this only tells Django about them."""

import clinic.models
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("treatment_sessions", "0004_clinic_and_document_tables_renamed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Room',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('active', models.BooleanField(default=True)),
                    ],
                    options={
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Clinic',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(default='CryoCare Scar Clinic', max_length=200)),
                        ('address', models.TextField(blank=True)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('after_hours_advice', models.TextField(blank=True, help_text='What patients should do when the clinic is closed, printed on aftercare sheets.')),
                        ('time_zone', models.CharField(default=clinic.models._default_time_zone, help_text='e.g. Europe/Madrid', max_length=64, validators=[clinic.models.validate_time_zone])),
                        ('default_visit_minutes', models.PositiveSmallIntegerField(default=30)),
                        ('slot_step_minutes', models.PositiveSmallIntegerField(default=15)),
                    ],
                    options={
                        'constraints': [models.CheckConstraint(condition=models.Q(('default_visit_minutes__gte', 5)), name='clinic_visit_at_least_5_minutes'), models.CheckConstraint(condition=models.Q(('slot_step_minutes__gte', 5)), name='clinic_slot_step_at_least_5_minutes')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalClinic',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(default='CryoCare Scar Clinic', max_length=200)),
                        ('address', models.TextField(blank=True)),
                        ('phone', models.CharField(blank=True, max_length=40)),
                        ('after_hours_advice', models.TextField(blank=True, help_text='What patients should do when the clinic is closed, printed on aftercare sheets.')),
                        ('time_zone', models.CharField(default=clinic.models._default_time_zone, help_text='e.g. Europe/Madrid', max_length=64, validators=[clinic.models.validate_time_zone])),
                        ('default_visit_minutes', models.PositiveSmallIntegerField(default=30)),
                        ('slot_step_minutes', models.PositiveSmallIntegerField(default=15)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical clinic',
                        'verbose_name_plural': 'historical clinics',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='OpeningHours',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')])),
                        ('opens', models.TimeField()),
                        ('closes', models.TimeField()),
                    ],
                    options={
                        'verbose_name_plural': 'opening hours',
                        'ordering': ['weekday', 'opens'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('closes__gt', models.F('opens'))), name='openinghours_closes_after_opens')],
                    },
                ),
                migrations.CreateModel(
                    name='Closure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_on', models.DateField()),
                        ('ends_on', models.DateField()),
                        ('reason', models.CharField(max_length=200)),
                        ('clinician', models.ForeignKey(blank=True, help_text='Leave empty when the whole clinic is closed.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='closures', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['starts_on'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='closure_ends_on_or_after_start')],
                    },
                ),
                migrations.CreateModel(
                    name='WorkingHours',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')])),
                        ('starts', models.TimeField()),
                        ('ends', models.TimeField()),
                        ('clinician', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='working_hours', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'working hours',
                        'ordering': ['clinician', 'weekday', 'starts'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends__gt', models.F('starts'))), name='workinghours_ends_after_starts')],
                    },
                ),
            ],
        ),
    ]

"""The documents app takes over its models from `treatment_sessions`, step 2 of 3: the tables exist
already (renamed by treatment_sessions.0004), so this only tells Django about them."""

import django.db.models.deletion
import documents.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("treatment_sessions", "0004_clinic_and_document_tables_renamed"),
        ('patients', '0003_role_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalPatientDocument',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('aftercare', 'Aftercare sheet'), ('preparation', 'Preparation sheet')], max_length=12)),
                        ('version', models.PositiveSmallIntegerField()),
                        ('language', models.CharField(max_length=5)),
                        ('body_html', models.TextField(help_text="The sheet's content as printed (without the link footer).")),
                        ('content_sha256', models.CharField(help_text='SHA-256 of the content: printing unchanged content again reuses this version.', max_length=64)),
                        ('pdf', models.TextField(blank=True, max_length=200)),
                        ('pdf_sha256', models.CharField(blank=True, max_length=64, verbose_name='PDF SHA-256')),
                        ('printed_at', models.DateTimeField()),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('appointment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='treatment_sessions.appointment')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='patients.patient')),
                        ('printed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical patient document',
                        'verbose_name_plural': 'historical patient documents',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PatientDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('aftercare', 'Aftercare sheet'), ('preparation', 'Preparation sheet')], max_length=12)),
                        ('version', models.PositiveSmallIntegerField()),
                        ('language', models.CharField(max_length=5)),
                        ('body_html', models.TextField(help_text="The sheet's content as printed (without the link footer).")),
                        ('content_sha256', models.CharField(help_text='SHA-256 of the content: printing unchanged content again reuses this version.', max_length=64)),
                        ('pdf', models.FileField(blank=True, max_length=200, upload_to=documents.models._document_pdf_path)),
                        ('pdf_sha256', models.CharField(blank=True, max_length=64, verbose_name='PDF SHA-256')),
                        ('printed_at', models.DateTimeField()),
                        ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='treatment_sessions.appointment')),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='patients.patient')),
                        ('printed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['kind', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalDocumentLink',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('token', models.CharField(db_index=True, default=documents.models._new_document_link_token, max_length=32)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('revoked_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('document', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='documents.patientdocument')),
                    ],
                    options={
                        'verbose_name': 'historical document link',
                        'verbose_name_plural': 'historical document links',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='DocumentLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(default=documents.models._new_document_link_token, max_length=32, unique=True)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('opened_count', models.PositiveIntegerField(default=0)),
                        ('last_opened_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('document', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='links', to='documents.patientdocument')),
                    ],
                    options={
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='patientdocument',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'aftercare')), fields=('appointment', 'kind', 'version'), name='patientdocument_aftercare_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='patientdocument',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'preparation')), fields=('patient', 'kind', 'version'), name='patientdocument_preparation_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='patientdocument',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'aftercare'), _negated=True), ('appointment__isnull', False), _connector='OR'), name='patientdocument_aftercare_has_appointment'),
                ),
                migrations.AddConstraint(
                    model_name='patientdocument',
                    constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='patientdocument_version_from_1'),
                ),
                migrations.AddConstraint(
                    model_name='patientdocument',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('pdf', ''), ('pdf_sha256', '')), models.Q(models.Q(('pdf', ''), _negated=True), models.Q(('pdf_sha256', ''), _negated=True)), _connector='OR'), name='patientdocument_pdf_and_hash_together'),
                ),
                migrations.AddConstraint(
                    model_name='documentlink',
                    constraint=models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='documentlink_expires_after_created'),
                ),
                migrations.AddConstraint(
                    model_name='documentlink',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('revoked_at__isnull', True), ('revoked_by__isnull', True)), models.Q(('revoked_at__isnull', False), ('revoked_by__isnull', False)), _connector='OR'), name='documentlink_revoked_with_who'),
                ),
            ],
        ),
    ]

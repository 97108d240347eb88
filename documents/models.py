"""Patient documents: the printed sheets given to patients, kept exactly as printed, and the
patient's read-only links to them."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class DocumentKind(models.TextChoices):
    AFTERCARE = "aftercare", "Aftercare sheet"
    PREPARATION = "preparation", "Preparation sheet"
    CONSENT = "consent", "Consent form"


def _document_pdf_path(instance, filename: str) -> str:
    # Never a name from the request: a fresh random name under documents/.
    return f"documents/{uuid.uuid4().hex}.pdf"


class PatientDocument(models.Model):
    """One printed version of a patient sheet, kept exactly as it was given to the patient.

    An aftercare sheet belongs to a completed appointment, a preparation sheet to the patient
    (and the first appointment, when one is booked), a consent form to the patient and the scars
    and techniques it covers. Versions count up per appointment for aftercare and per patient for
    the others; a stored version is never changed or deleted. A consent form the patient signed
    points at the consent recorded from it.
    """

    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="documents")
    appointment = models.ForeignKey(
        "treatment_sessions.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    version = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=5)
    body_html = models.TextField(help_text="The sheet's content as printed (without the link footer).")
    content_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the content: printing unchanged content again reuses this version."
    )
    pdf = models.FileField(upload_to=_document_pdf_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_at = models.DateTimeField()
    # A consent form only: what it asks the patient to agree to, and the consent recorded once signed.
    scars = models.ManyToManyField("patients.Scar", blank=True, related_name="consent_forms")
    techniques = models.JSONField(default=list, blank=True, help_text="Technique codes a consent form covers.")
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_relation = models.CharField("guardian's relation to the patient", max_length=100, blank=True)
    consent = models.OneToOneField(
        "patients.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="signed_form"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "version"],
                condition=Q(kind="aftercare"),
                name="patientdocument_aftercare_version_unique",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "version"],
                condition=Q(kind="preparation"),
                name="patientdocument_preparation_version_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind="aftercare") | Q(appointment__isnull=False),
                name="patientdocument_aftercare_has_appointment",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "version"],
                condition=Q(kind="consent"),
                name="patientdocument_consent_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="consent") | Q(consent__isnull=True),
                name="patientdocument_only_consent_forms_are_signed",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="patientdocument_version_from_1"),
            models.CheckConstraint(
                condition=Q(pdf="", pdf_sha256="") | (~Q(pdf="") & ~Q(pdf_sha256="")),
                name="patientdocument_pdf_and_hash_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} for {self.patient}"


def _new_document_link_token() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits: short enough to type


class DocumentLink(models.Model):
    """A patient's read-only link to one stored sheet, without an account; it expires and can be revoked."""

    patient_path = "document__patient"  # how the access layer finds the record's patient (patients.access)
    document = models.ForeignKey(PatientDocument, on_delete=models.PROTECT, related_name="links")
    token = models.CharField(max_length=32, unique=True, default=_new_document_link_token)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["opened_count", "last_opened_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="documentlink_expires_after_created"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="documentlink_revoked_with_who",
            ),
        ]

    def __str__(self) -> str:
        return f"Link to {self.document} until {self.expires_at:%Y-%m-%d}"

    def is_valid(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at

from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    # Django's own django.contrib.sessions already owns the label "sessions".
    name = "sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
    default_auto_field = "django.db.models.BigAutoField"

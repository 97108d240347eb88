from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic set-up"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PatientsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "patients"

    def ready(self) -> None:
        from patients.roles import role_permissions_sync

        # Model permissions exist only after every app has migrated, hence post_migrate.
        post_migrate.connect(
            lambda **kwargs: role_permissions_sync(), dispatch_uid="cryocare_role_permissions", weak=False
        )

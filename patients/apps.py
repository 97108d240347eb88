from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PatientsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "patients"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from patients.roles import role_change_record, role_permissions_sync

        # Model permissions exist only after every app has migrated, hence post_migrate.
        post_migrate.connect(
            lambda **kwargs: role_permissions_sync(), dispatch_uid="cryocare_role_permissions", weak=False
        )
        # Audit: who gave or took which role, however the change is made.
        m2m_changed.connect(
            role_change_record, sender=get_user_model().groups.through, dispatch_uid="cryocare_role_changes"
        )

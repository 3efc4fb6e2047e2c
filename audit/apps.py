from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from audit import checks  # noqa: F401 - registers the system checks

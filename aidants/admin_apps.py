from django.contrib.admin.apps import AdminConfig


class ProcurationAdminConfig(AdminConfig):
    """Stands for "django.contrib.admin" in INSTALLED_APPS (Django's documented way to replace
    the default admin site), so every `admin.site.register` lands on the two-factor site.

    Its own module: `aidants.apps` must declare a single AppConfig to stay the app's default.
    """

    default_site = "aidants.admin_site.ProcurationAdminSite"

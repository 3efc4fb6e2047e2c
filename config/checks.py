"""Security invariants refused at start-up (Django system checks).

Production (`PROCURATION_ENV=production`) must not run with DEBUG, the development SECRET_KEY,
the FranceConnect simulator, insecure cookies, no HSTS, or no audit checkpoint key.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_settings_check(app_configs=None, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG est activé en production.", id="procuration.E001"))
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(Error("SECRET_KEY manquante ou par défaut en production.",
                            id="procuration.E002"))
    if settings.FRANCECONNECT_SIMULATOR:
        errors.append(Error("Le simulateur FranceConnect est interdit en production.",
                            id="procuration.E003"))
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        errors.append(Error("Les cookies doivent être « Secure » en production.",
                            id="procuration.E004"))
    if settings.SECURE_HSTS_SECONDS < 31536000:
        errors.append(Error("HSTS doit durer au moins un an en production.", id="procuration.E005"))
    if not settings.AUDIT_CHECKPOINT_KEY or settings.AUDIT_CHECKPOINT_KEY == "dev":
        errors.append(Error("AUDIT_CHECKPOINT_KEY manquante en production.", id="procuration.E006"))
    return errors

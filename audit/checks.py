"""System checks: production refuses an unusable or unsafe checkpoint signing key."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from audit.checkpoints import CheckpointKeyError, parse_key


@register(Tags.security, deploy=False)
def checkpoint_key_check(app_configs, **kwargs):
    value = settings.AUDIT_CHECKPOINT_KEY
    production = getattr(settings, "PRODUCTION", False)
    hint = ("Set AUDIT_CHECKPOINT_KEY to a PEM or base64 Ed25519 key from the environment or a "
            "secrets file (file:/path); see SECURITY.md.")
    if production and (not value or value == "dev"):
        return [Error("The audit checkpoint key is missing or is the development key.",
                      hint=hint, id="audit.E001")]
    try:
        parse_key(value)
    except CheckpointKeyError as exc:
        return [Error(f"Audit checkpoint key refused: {exc}.", hint=hint, id="audit.E002")]
    if settings.AUDIT_SEQUENCING not in ("inline", "process"):
        return [Error("AUDIT_SEQUENCING must be 'inline' or 'process'.", id="audit.E003")]
    return []

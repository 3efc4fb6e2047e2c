"""Business actions of our identity provider. Each is atomic and journals itself.

Who checks permissions: views and commands call these after authenticating the caller (the aidant
through `fresh_otp_required`, the client through `authenticate_client`); the services re-check
every domain rule (habilitation, active mandate and authorisation, structure) inside their
transaction so a revocation racing with a login cannot slip through.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from audit.events import EventType
from oidc_bridge.models import OIDCClient, SigningAlg, UserinfoFormat
from oidc_bridge.protocol.validation import validate_redirect_uri_syntax


class ClientRegistrationError(ValueError):
    """Bad registration input; the message is one French line for people."""


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _validate_registration(*, client_id, redirect_uris, post_logout_redirect_uris, alg,
                           userinfo_format) -> None:
    if not client_id or len(client_id) > 128 or not client_id.isprintable() or " " in client_id:
        raise ClientRegistrationError("Identifiant de client invalide.")
    if not redirect_uris:
        raise ClientRegistrationError("Au moins une URL de retour est requise.")
    for uri in [*redirect_uris, *post_logout_redirect_uris]:
        problem = validate_redirect_uri_syntax(uri, allow_http=not settings.PRODUCTION)
        if problem:
            raise ClientRegistrationError(f"URL invalide « {uri} » : {problem}")
    if alg not in SigningAlg.values:
        raise ClientRegistrationError("Algorithme inconnu : ES256 ou RS256 seulement.")
    if userinfo_format not in UserinfoFormat.values:
        raise ClientRegistrationError("Format userinfo inconnu : json ou jwt.")


@transaction.atomic
def oidc_client_register(
    *,
    client_id: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] = (),
    alg: str = "ES256",
    userinfo_format: str = "json",
    actor_claim: bool = False,
    secret: str | None = None,
    name: str = "",
    actor,
) -> tuple[OIDCClient, str]:
    """Create or update the client `client_id`; return it with its secret in clear (shown once).

    Only the SHA-256 of the secret is stored. `secret` given: use it (idempotent demo seeding);
    otherwise a new 256-bit random secret is drawn, also when re-registering. Raises
    `ClientRegistrationError` on bad input, before any write.
    """
    redirect_uris = list(redirect_uris)
    post_logout_redirect_uris = list(post_logout_redirect_uris)
    _validate_registration(client_id=client_id, redirect_uris=redirect_uris,
                           post_logout_redirect_uris=post_logout_redirect_uris, alg=alg,
                           userinfo_format=userinfo_format)
    secret = secret or secrets.token_urlsafe(32)
    client, created = OIDCClient.objects.select_for_update().update_or_create(
        client_id=client_id,
        defaults={
            "name": name or client_id,
            "secret_sha256": sha256_hex(secret),
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_redirect_uris,
            "alg": alg,
            "userinfo_format": userinfo_format,
            "actor_claim": actor_claim,
            "is_active": True,
        },
    )
    audit.record(EventType.CLIENT_REGISTERED, actor=actor, oidc_client=client_id, payload={
        "created": created, "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris, "alg": alg,
        "userinfo_format": userinfo_format, "actor_claim": actor_claim,
    })
    return client, secret


@transaction.atomic
def oidc_client_rotate_secret(*, client: OIDCClient, actor) -> str:
    """Give `client` a new random secret (the old one stops working now); return it once."""
    secret = secrets.token_urlsafe(32)
    client = OIDCClient.objects.select_for_update().get(pk=client.pk)
    client.secret_sha256 = sha256_hex(secret)
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_sha256", "secret_rotated_at"])
    audit.record(EventType.CLIENT_SECRET_ROTATED, actor=actor, oidc_client=client.client_id)
    return secret

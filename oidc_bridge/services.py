"""Business actions of our identity provider. Each is atomic and journals itself.

Who checks permissions: views and commands call these after authenticating the caller (the aidant
through `fresh_otp_required`, the client through `authenticate_client`); the services re-check
every domain rule (habilitation, active mandate and authorisation, structure) inside their
transaction so a revocation racing with a login cannot slip through.
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

import audit
from audit.actor import Actor
from audit.events import EventType
from habilitation.selectors import is_habilitated
from oidc_bridge import selectors, sql
from oidc_bridge.models import (
    AccessToken,
    AuthorizationCode,
    OIDCClient,
    SigningAlg,
    UserinfoFormat,
)
from oidc_bridge.protocol import pkce
from oidc_bridge.protocol.errors import OAuthError
from oidc_bridge.protocol.validation import AuthorizationRequest, validate_redirect_uri_syntax
from oidc_bridge.selectors import NotUsable, sha256_hex


class ClientRegistrationError(ValueError):
    """Bad registration input; the message is one French line for people."""


def validate_registration(*, client_id, redirect_uris, post_logout_redirect_uris, alg,
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
    validate_registration(client_id=client_id, redirect_uris=redirect_uris,
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
def oidc_client_update(*, client: OIDCClient, redirect_uris: list[str],
                       post_logout_redirect_uris: list[str], alg: str, userinfo_format: str,
                       actor_claim: bool, name: str, is_active: bool, actor) -> OIDCClient:
    """Change a client's settings, keeping its secret (the admin's change form)."""
    validate_registration(client_id=client.client_id, redirect_uris=list(redirect_uris),
                           post_logout_redirect_uris=list(post_logout_redirect_uris), alg=alg,
                           userinfo_format=userinfo_format)
    client = OIDCClient.objects.select_for_update().get(pk=client.pk)
    changes = {"redirect_uris": list(redirect_uris), "alg": alg, "name": name or client.client_id,
               "post_logout_redirect_uris": list(post_logout_redirect_uris),
               "userinfo_format": userinfo_format, "actor_claim": actor_claim,
               "is_active": is_active}
    for field, value in changes.items():
        setattr(client, field, value)
    client.save(update_fields=list(changes))
    audit.record(EventType.CLIENT_REGISTERED, actor=actor, oidc_client=client.client_id,
                 payload={"created": False, **{k: v for k, v in changes.items() if k != "name"}})
    return client


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


class DelegationRefused(Exception):
    """The aidant may not act for this usager on this démarche; `reason` is a stable code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DemarcheNeeded(Exception):
    """No démarche was named and several are usable for this usager: the aidant must choose."""


class AlreadyUsed(Exception):
    """A code was already issued for this parked request (`sid`): it is single use."""


def delegated_login_start(*, aidant, client: OIDCClient, request: AuthorizationRequest,
                          usager_id: int, demarche: str | None, auth_time: datetime, acr: str,
                          amr: list[str], sid: str | None = None) -> tuple[str, AuthorizationCode]:
    """Issue the authorization code of one delegated use; return (code in clear, row).

    Re-checks, under a row lock on the authorisation, that the aidant is habilitated in their
    current structure and that an ACTIVE authorisation of an ACTIVE mandate of that structure
    covers (usager, démarche) and the requested `rep_scope`. `demarche=None`: the only démarche
    usable for that usager (`DemarcheNeeded` if there are several). `sid` names the delegated
    session (unique: `AlreadyUsed` if a code was issued under it; default: a new random one).
    Journals DELEGATED_LOGIN in the same transaction. Raises `DelegationRefused` (nothing
    written; the caller journals the refusal).
    """
    sid = sid or secrets.token_urlsafe(24)
    try:
        return _start_delegation(aidant=aidant, client=client, request=request,
                                 usager_id=usager_id, demarche=demarche, auth_time=auth_time,
                                 acr=acr, amr=amr, sid=sid)
    except IntegrityError:
        # The transaction is rolled back whole: nothing was written.
        if AuthorizationCode.objects.filter(sid=sid).exists():
            raise AlreadyUsed from None
        raise


@transaction.atomic
def _start_delegation(*, aidant, client, request, usager_id, demarche, auth_time, acr, amr,
                      sid) -> tuple[str, AuthorizationCode]:
    structure_id = aidant.current_structure_id
    if structure_id is None or not is_habilitated(aidant=aidant):
        raise DelegationRefused("not_habilitated")
    try:
        authorisation = selectors.access_authorisation(
            structure_id=structure_id, usager_id=usager_id, demarche=demarche,
            demarches=request.rep_scope)
    except selectors.SeveralUsable as exc:
        raise DemarcheNeeded from exc
    except NotUsable as exc:
        raise DelegationRefused("no_usable_authorisation") from exc
    demarche = authorisation.demarche
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    row = sql.insert_code(AuthorizationCode(
        code_sha256=sha256_hex(code), sid=sid, client=client,
        redirect_uri=request.redirect_uri, scope=" ".join(request.scope), nonce=request.nonce,
        code_challenge=request.code_challenge, aidant=aidant, structure_id=structure_id,
        usager_id=int(usager_id), mandate_id=authorisation.mandate_id,
        authorisation=authorisation, demarche=demarche,
        requested_rep_scope=list(request.rep_scope or []), auth_time=auth_time, acr=acr, amr=amr,
        created_at=now, expires_at=now + settings.OIDC_CODE_LIFETIME))
    audit.record(EventType.DELEGATED_LOGIN, actor=Actor.aidant(aidant),
                 structure=structure_id, usager=row.usager_id, mandate=row.mandate_id,
                 authorisation=authorisation, oidc_client=client.client_id, demarche=demarche,
                 payload={"sid": row.sid, "acr": acr,
                          "rep_scope_requested": row.requested_rep_scope})
    return code, row


@transaction.atomic
def delegated_login_refuse(*, aidant, client_id: str, reason: str, demarche: str = "",
                           requested_rep_scope=None) -> None:
    """Journal a refused delegated login (DELEGATED_LOGIN_REFUSED). Nothing else is written."""
    audit.record(EventType.DELEGATED_LOGIN_REFUSED, actor=aidant,
                 structure=aidant.current_structure_id, oidc_client=client_id,
                 demarche=demarche if demarche in selectors.CATALOGUE else "",
                 payload={"reason": reason, "rep_scope_requested": list(requested_rep_scope or [])})


def _token_actor(client: OIDCClient) -> Actor:
    return Actor.system(f"oidc:{client.client_id}"[:64])


class _AlreadyConsumed(Exception):
    pass


def token_exchange(*, client: OIDCClient, code: AuthorizationCode | None, redirect_uri: str,
                   code_verifier: str) -> tuple[str, AccessToken]:
    """Redeem `code` for an access token (RFC 6749 4.1.3, RFC 7636 4.6); return (token, row).

    `code` is the row the caller found for the authenticated `client`
    (`selectors.client_and_code`), None when the client sent no such code of its own. The code
    is consumed by an atomic conditional UPDATE in the transaction that creates the token, so
    two parallel redemptions cannot both succeed. A used code is a replay: the tokens it issued
    are revoked and CODE_REPLAYED journaled (RFC 6749 4.1.2, RFC 9700 4.5). Every failure is
    `OAuthError("invalid_grant")`, never saying which binding failed.
    """
    if code is None or code.client_id != client.pk:
        raise OAuthError("invalid_grant", "Code inconnu")
    if code.used_at is not None:
        code_replayed(code=code)
        raise OAuthError("invalid_grant", "Code déjà utilisé")
    _check_bindings(code, redirect_uri=redirect_uri, code_verifier=code_verifier)
    try:
        return _issue_token(code)
    except _AlreadyConsumed:
        code_replayed(code=code)
        raise OAuthError("invalid_grant", "Code déjà utilisé") from None


def _check_bindings(row: AuthorizationCode, *, redirect_uri: str, code_verifier: str) -> None:
    if row.expires_at <= timezone.now() or row.ended_at is not None:
        raise OAuthError("invalid_grant", "Code expiré")
    if redirect_uri != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri différente de la demande")
    if row.code_challenge:
        if not pkce.verify(code_verifier, row.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier invalide")
    elif code_verifier:
        # RFC 9700 2.1.1 / 4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
        raise OAuthError("invalid_grant", "code_verifier inattendu")


@transaction.atomic
def _issue_token(row: AuthorizationCode) -> tuple[str, AccessToken]:
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    # One statement consumes the code AND checks that its authorisation is still active (a
    # mandate revoked since the code was issued stops the login here); the token row is
    # written only if it did.
    access = sql.consume_code_for_token(row, token_sha256=sha256_hex(token), at=now,
                                        expires_at=now + settings.OIDC_ACCESS_TOKEN_LIFETIME)
    if access is None:
        used_at = AuthorizationCode.objects.filter(pk=row.pk).values_list(
            "used_at", flat=True).first()
        if used_at is not None:
            raise _AlreadyConsumed
        raise OAuthError("invalid_grant", "Code expiré ou mandat inactif")
    audit.record(EventType.TOKEN_ISSUED, actor=_token_actor(row.client),
                 structure=row.structure_id, usager=row.usager_id, mandate=row.mandate_id,
                 authorisation=row.authorisation_id, oidc_client=row.client.client_id,
                 demarche=row.demarche, payload={"sid": row.sid})
    return token, access


@transaction.atomic
def code_replayed(*, code: AuthorizationCode) -> int:
    """A used code came back: revoke every token it issued, end its session; journal it."""
    now = timezone.now()
    revoked = AccessToken.objects.filter(code=code, revoked_at__isnull=True).update(
        revoked_at=now)
    AuthorizationCode.objects.filter(pk=code.pk, ended_at__isnull=True).update(ended_at=now)
    audit.record(EventType.CODE_REPLAYED, actor=_token_actor(code.client),
                 structure=code.structure_id, usager=code.usager_id, mandate=code.mandate_id,
                 authorisation=code.authorisation_id, oidc_client=code.client.client_id,
                 demarche=code.demarche, payload={"sid": code.sid, "tokens_revoked": revoked})
    return revoked


@transaction.atomic
def delegated_session_end(*, code: AuthorizationCode, actor) -> AuthorizationCode:
    """End the provider-side delegated session `code.sid`: its tokens stop working now."""
    now = timezone.now()
    AccessToken.objects.filter(code=code, revoked_at__isnull=True).update(revoked_at=now)
    ended = AuthorizationCode.objects.filter(pk=code.pk, ended_at__isnull=True).update(
        ended_at=now)
    audit.record(EventType.SESSION_ENDED, actor=actor, structure=code.structure_id,
                 usager=code.usager_id, mandate=code.mandate_id, oidc_client=code.client.client_id,
                 demarche=code.demarche, payload={"sid": code.sid, "already_ended": not ended})
    return code


@transaction.atomic
def expired_grants_purge(*, before: datetime, actor) -> tuple[int, int]:
    """Delete the codes that expired before `before`, with their tokens, once every token of
    theirs expired before `before` too; return (codes, tokens) deleted.

    Storage limitation (RGPD): a code row keeps which aidant acted for which usager, through
    which site; past its lifetime it serves nothing but an investigation, and the journal's
    DELEGATED_LOGIN and TOKEN_ISSUED entries are the lasting record. One GRANTS_PURGED entry
    in the same transaction, with the counts.
    """
    codes = selectors.purgeable_codes(before=before)
    token_count, _ = AccessToken.objects.filter(code__in=codes.values("pk")).delete()
    code_count, _ = codes.delete()
    audit.record(EventType.GRANTS_PURGED, actor=actor, payload={
        "codes": code_count, "tokens": token_count, "expired_before": before.isoformat()})
    return code_count, token_count

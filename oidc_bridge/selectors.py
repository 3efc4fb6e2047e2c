"""Reads for the identity provider: usable mandates, clients, the claims of one delegated use."""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from aidants.demarches import CATALOGUE
from aidants.prepared import Prepared
from mandates.models import Authorisation, Usager
from oidc_bridge import sql
from oidc_bridge.models import AccessToken, AuthorizationCode, OIDCClient
from oidc_bridge.protocol import claims as protocol_claims


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class NotUsable(LookupError):
    """No such usable authorisation for this aidant: missing and forbidden look the same."""


def _usable_client_id(client_id: str) -> bool:
    return bool(client_id) and "\x00" not in client_id  # e.g. HTTP Basic; PostgreSQL refuses NUL


def active_client(client_id: str) -> OIDCClient | None:
    return sql.active_client(client_id) if _usable_client_id(client_id) else None


def client_and_code(client_id: str, code: str):
    """(the active client, the code in clear it sent if it is that client's own) as rows; either
    may be None. One query: the token endpoint's client authentication and code lookup."""
    if not _usable_client_id(client_id):
        return None, None
    return sql.client_and_code(client_id, sha256_hex(code) if code else "")


def usable_authorisations(*, structure_id: int, demarches: Iterable[str] | None = None,
                          usager_id: int | None = None, at=None):
    """ACTIVE authorisations of ACTIVE mandates of the structure, optionally narrowed.

    Active = not revoked, not superseded, mandate neither revoked nor expired, usager not erased.
    """
    at = at or timezone.now()
    qs = Authorisation.objects.filter(
        mandate__organisation_id=structure_id, revoked_at__isnull=True,
        superseded_by__isnull=True, mandate__revoked_at__isnull=True,
        mandate__expires_at__gt=at, mandate__usager__erased_at__isnull=True,
    ).select_related("mandate", "mandate__usager")
    if demarches is not None:
        qs = qs.filter(demarche__in=list(demarches))
    if usager_id is not None:
        qs = qs.filter(mandate__usager_id=usager_id)
    return qs.order_by("mandate__usager__family_name", "mandate__usager__given_name", "demarche")


_USAGER_COLUMNS = ("id", "given_name", "family_name", "preferred_username", "birthdate")


def _usable_usager_rows(*, structure_id, at):
    return usable_authorisations(structure_id=structure_id, at=at).select_related(None) \
        .values_list("demarche", *(f"mandate__usager__{c}" for c in _USAGER_COLUMNS))


# The usager page of every delegated login: compiled once (aidants.prepared).
_USABLE_USAGER_ROWS = Prepared(_usable_usager_rows, structure_id="int", at="datetime")


def usagers_with_usable_mandates(*, structure_id: int, demarches=None) -> list[Usager]:
    """The usagers the aidant may act for, each once, sorted by name (names and birth date
    only: what the choice shows)."""
    seen: dict[int, Usager] = {}
    for demarche, *values in _USABLE_USAGER_ROWS.rows(structure_id=structure_id,
                                                      at=timezone.now()):
        if demarches is None or demarche in demarches:
            usager = Usager(**dict(zip(_USAGER_COLUMNS, values, strict=True)))
            seen.setdefault(usager.pk, usager)
    return list(seen.values())


class SeveralUsable(NotUsable):
    """No démarche named, and more than one is usable: the caller must ask which."""


def _usable_rows(*, structure_id, usager_id, at):
    return usable_authorisations(structure_id=structure_id, usager_id=usager_id, at=at) \
        .select_related(None).select_for_update(of=("self",)) \
        .values_list("pk", "mandate_id", "demarche")


# Run under a row lock by every code issuance: compiled once (aidants.prepared).
_USABLE_ROWS = Prepared(_usable_rows, structure_id="int", usager_id="int", at="datetime")


def access_authorisation(*, structure_id: int, usager_id, demarche: str | None,
                         demarches=None) -> Authorisation:
    """The usable authorisation for (usager, démarche), locked in the caller's transaction, or
    `NotUsable` (same for all failures).

    `demarche=None`: the only usable one within `demarches` (`SeveralUsable` if more). The
    authorisation comes with `pk`, `mandate_id` and `demarche` only.
    """
    if demarche is not None and demarches is not None and demarche not in demarches:
        raise NotUsable
    wanted = {demarche} if demarche is not None else demarches
    found = [Authorisation(pk=pk, mandate_id=mandate_id, demarche=code)
             for pk, mandate_id, code in _USABLE_ROWS.rows(
                 structure_id=structure_id, usager_id=usager_id, at=timezone.now())
             if wanted is None or code in wanted]
    if not found:
        raise NotUsable
    if len(found) > 1 and demarche is None:
        raise SeveralUsable
    return found[0]


def demarche_label(code: str) -> str:
    info = CATALOGUE.get(code)
    return info.label if info else code


def usager_identity(usager: Usager, structure) -> dict:
    """The usager's identity in FranceConnect's formats, for the ID Token and userinfo.

    Usagers often have no e-mail of their own: FranceConnect requires one from an identity
    provider, so the structure's contact address stands in and `email_source` says so.
    """
    email, source = (usager.email, "usager") if usager.email else (
        structure.contact_email, "structure")
    return {
        "given_name": usager.given_name, "family_name": usager.family_name,
        "preferred_username": usager.preferred_username, "birthdate": usager.birthdate,
        "gender": usager.gender, "birthplace": usager.birthplace,
        "birthcountry": usager.birthcountry, "email": email, "email_source": source,
    }


def subject_for(code: AuthorizationCode) -> str:
    """Pairwise `sub` of the usager for the client's sector (OIDC Core 8.1)."""
    return protocol_claims.pairwise_sub(settings.OIDC_PAIRWISE_SECRET, code.client.sector,
                                        f"usager:{code.usager_id}")


def actor_for(code: AuthorizationCode) -> dict | None:
    """The `act` claim naming the aidant and structure, if the client registered for it."""
    if not code.client.actor_claim:
        return None
    return protocol_claims.actor_claim(
        sub=protocol_claims.pairwise_sub(settings.OIDC_PAIRWISE_SECRET, code.client.sector,
                                         f"aidant:{code.aidant_id}"),
        name=code.aidant.get_full_name(), structure_name=code.structure.name,
        structure_siret=code.structure.siret)


def granted_rep_scope(code: AuthorizationCode) -> list[str]:
    return [code.demarche]


def delegated_session(sid: str) -> AuthorizationCode | None:
    return AuthorizationCode.objects.select_related("client").filter(sid=sid).first()


def valid_access_token(token: str):
    """The valid (unexpired, unrevoked, session not ended) access token, or None."""
    row = sql.access_token(sha256_hex(token)) if token else None
    return row if row is not None and row.is_valid() else None


def purgeable_codes(*, before):
    """Codes that expired before `before` and none of whose tokens expire at or after it."""
    live = AccessToken.objects.filter(expires_at__gte=before).values("code_id")
    return AuthorizationCode.objects.filter(expires_at__lt=before).exclude(pk__in=live)

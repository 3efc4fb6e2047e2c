"""Mandate writes: create, renew, revoke. Each is one transaction with its journal entries.

Every function checks permissions itself (membership of the owning structure, habilitation),
so views, commands and the OIDC bridge cannot forget to. Errors for people are `MandateError`
with a French message; callers show `str(error)`.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import audit
from aidants.demarches import CATALOGUE
from audit.actor import Actor
from audit.events import EventType
from habilitation.selectors import is_habilitated
from mandates import receipts
from mandates.durations import DurationError, compute_expiry
from mandates.identity import VerifiedIdentity
from mandates.models import Authorisation, Mandate, Usager

# Unambiguous alphabet for printed codes: no 0/O, 1/I/L (read aloud or typed from paper).
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 10  # 31^10 ≈ 8·10^14 (~49 bits): not guessable through a throttled page.
REASON_MAX_LENGTH = 500
# A second click on "Créer le mandat" within this window returns the mandate just created.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)
IDENTITY_FIELDS = ("given_name", "family_name", "preferred_username", "birthdate", "gender",
                   "birthplace", "birthcountry", "email")


class MandateError(Exception):
    """A refused mandate action; `str(error)` is a French message for the aidant."""


def _check_may_act(aidant, organisation, *, need_habilitation: bool) -> None:
    if not (aidant.is_active and aidant.is_member_of(organisation)):
        raise MandateError("Vous ne faites pas partie de cette structure.")
    if need_habilitation and not is_habilitated(aidant=aidant, organisation=organisation):
        raise MandateError("Vous n'êtes pas habilité à créer des mandats dans cette structure.")


def _clean_demarches(organisation, demarches) -> list[str]:
    codes = list(dict.fromkeys(demarches or []))  # keep order, drop duplicates
    if not codes:
        raise MandateError("Choisissez au moins une démarche.")
    refused = [c for c in codes if c not in CATALOGUE or c not in organisation.allowed_demarches]
    if refused:
        raise MandateError("Votre structure ne propose pas ces démarches : "
                           + ", ".join(refused) + ".")
    return sorted(codes, key=list(CATALOGUE).index)


def _check_request(organisation, demarches, duration, usager_consent, aidant_consent) -> list:
    codes = _clean_demarches(organisation, demarches)
    if duration not in Mandate.Duration.values:
        raise MandateError("Choisissez une durée de mandat valide.")
    if not usager_consent:
        raise MandateError("Le consentement de l'usager est obligatoire.")
    if not aidant_consent:
        raise MandateError("Votre engagement d'aidant est obligatoire.")
    return codes


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MandateError("Indiquez le motif de la révocation.")
    if len(reason) > REASON_MAX_LENGTH:
        raise MandateError(f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères.")
    return reason


def new_short_code() -> str:
    while True:
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        if not Mandate.objects.filter(short_code=code).exists():
            return code


def _usager_upsert(identity: VerifiedIdentity) -> tuple[Usager, bool]:
    """The usager for (issuer, sub), locked, with identity fields refreshed from FranceConnect."""
    values = {name: getattr(identity, name) or "" for name in IDENTITY_FIELDS}
    values["birthcountry"] = values["birthcountry"] or "99100"
    usager, created = Usager.objects.get_or_create(
        fc_issuer=identity.issuer, fc_sub=identity.sub, defaults=values)
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    if not created:
        for name, value in values.items():
            setattr(usager, name, value)
        usager.erased_at = None  # identified again: the person is back
        usager.save(update_fields=[*IDENTITY_FIELDS, "erased_at"])
    return usager, created


def _recent_duplicate(*, usager, organisation, aidant, codes, duration, renewed_from):
    """A mandate this aidant created seconds ago with the same content (a double submit)."""
    recent = (Mandate.objects.active().filter(
        usager=usager, organisation=organisation, created_by=aidant, duration=duration,
        renewed_from=renewed_from, created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW)
        .prefetch_related("authorisations").order_by("-created_at"))
    for mandate in recent:
        if sorted(a.demarche for a in mandate.authorisations.all()) == sorted(codes):
            return mandate
    return None


def _close_if_empty(mandate: Mandate, *, actor, when, reason: str, cause: str) -> None:
    """A mandate whose authorisations are all revoked is revoked too (its status says so)."""
    if mandate.revoked_at or mandate.authorisations.filter(revoked_at__isnull=True).exists():
        return
    mandate.revoked_at, mandate.revocation_reason = when, reason
    mandate.revoked_by_id = actor.aidant_id
    mandate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(EventType.MANDATE_REVOKED, actor=actor, structure=mandate.organisation_id,
                 usager=mandate.usager_id, mandate=mandate, payload={"cause": cause})


def _supersede(new: Authorisation, *, actor, now) -> list[Authorisation]:
    """Revoke earlier active authorisations on the same démarche, usager and structure."""
    mandate = new.mandate
    earlier = list(Authorisation.objects.active(now).select_for_update(of=("self",)).filter(
        demarche=new.demarche, mandate__usager_id=mandate.usager_id,
        mandate__organisation_id=mandate.organisation_id).exclude(mandate=mandate)
        .select_related("mandate"))
    for old in earlier:
        old.revoked_at, old.superseded_by = now, new
        old.revoked_by_id = actor.aidant_id
        old.revocation_reason = f"Remplacée par le mandat du {timezone.localdate(now):%d/%m/%Y}."
        old.save(update_fields=["revoked_at", "revoked_by", "revocation_reason",
                                "superseded_by"])
        audit.record(EventType.AUTHORISATION_SUPERSEDED, actor=actor,
                     structure=mandate.organisation_id, usager=mandate.usager_id,
                     mandate=old.mandate_id, authorisation=old, demarche=old.demarche,
                     payload={"superseded_by_mandate": mandate.pk,
                              "superseded_by_authorisation": new.pk})
        _close_if_empty(old.mandate, actor=actor, when=now, reason=old.revocation_reason,
                        cause="superseded")
    return earlier


def _insert_mandate(*, aidant, organisation, usager, codes, duration, renewed_from) -> Mandate:
    actor = Actor.aidant(aidant, organisation)
    now = timezone.now()
    try:
        expires_at = compute_expiry(now, duration)
    except DurationError as error:
        raise MandateError("Choisissez une durée de mandat valide.") from error
    mandate = Mandate.objects.create(
        organisation=organisation, usager=usager, created_by=aidant, created_at=now,
        duration=duration, expires_at=expires_at, renewed_from=renewed_from,
        short_code=new_short_code())
    superseded = []
    for code in codes:
        authorisation = Authorisation.objects.create(mandate=mandate, demarche=code)
        superseded += _supersede(authorisation, actor=actor, now=now)
    mandate.receipt_version = receipts.RECEIPT_VERSION
    mandate.receipt_sha256 = receipts.receipt_sha256(mandate)
    mandate.save(update_fields=["receipt_version", "receipt_sha256"])
    mandate.superseded_authorisations = superseded
    return mandate


def _mandate_payload(mandate: Mandate, codes: list[str]) -> dict:
    return {"demarches": codes, "duration": mandate.duration,
            "expires_at": mandate.expires_at.isoformat(),
            "receipt_sha256": mandate.receipt_sha256, "receipt_version": mandate.receipt_version,
            "consents": {"usager": True, "aidant": True},
            "renewed_from": mandate.renewed_from_id}


@transaction.atomic
def mandate_create(*, aidant, organisation, identity: VerifiedIdentity, demarches: list[str],
                   duration: str, usager_consent: bool, aidant_consent: bool) -> Mandate:
    """Create a mandate for the usager FranceConnect just identified.

    Guarantees: the aidant is an active, habilitated member of `organisation`; the démarches are
    offered by it; both consents were given. The usager is upserted on (issuer, sub) with the
    fresh identity. Earlier active authorisations on the same démarches (same usager, same
    structure) are revoked and listed in `mandate.superseded_authorisations`. A double submit
    returns the mandate just created (then `superseded_authorisations` is empty).
    Journal: USAGER_IDENTIFIED, AUTHORISATION_SUPERSEDED (each), MANDATE_CREATED.
    """
    _check_may_act(aidant, organisation, need_habilitation=True)
    codes = _check_request(organisation, demarches, duration, usager_consent, aidant_consent)
    usager, created = _usager_upsert(identity)
    duplicate = _recent_duplicate(usager=usager, organisation=organisation, aidant=aidant,
                                  codes=codes, duration=duration, renewed_from=None)
    if duplicate is not None:
        duplicate.superseded_authorisations = []
        return duplicate
    actor = Actor.aidant(aidant, organisation)
    audit.record(EventType.USAGER_IDENTIFIED, actor=actor, structure=organisation, usager=usager,
                 payload={"new_usager": created, "acr": identity.acr},
                 personal={"given_name": usager.given_name, "family_name": usager.family_name,
                           "birthdate": usager.birthdate})
    mandate = _insert_mandate(aidant=aidant, organisation=organisation, usager=usager,
                              codes=codes, duration=duration, renewed_from=None)
    audit.record(EventType.MANDATE_CREATED, actor=actor, structure=organisation, usager=usager,
                 mandate=mandate, payload=_mandate_payload(mandate, codes))
    return mandate


@transaction.atomic
def mandate_renew(*, mandate: Mandate, aidant, demarches: list[str], duration: str,
                  usager_consent: bool, aidant_consent: bool) -> Mandate:
    """A new mandate for the same usager and structure, re-using the recorded identity.

    Same guarantees as `mandate_create`; the new mandate has `renewed_from=mandate` and
    supersedes the old authorisations on the démarches it covers. Journal: MANDATE_RENEWED.
    """
    organisation = mandate.organisation
    _check_may_act(aidant, organisation, need_habilitation=True)
    codes = _check_request(organisation, demarches, duration, usager_consent, aidant_consent)
    usager = Usager.objects.select_for_update().get(pk=mandate.usager_id)
    if usager.erased_at:
        raise MandateError("L'identité de cet usager a été effacée : créez un nouveau mandat "
                           "avec FranceConnect.")
    duplicate = _recent_duplicate(usager=usager, organisation=organisation, aidant=aidant,
                                  codes=codes, duration=duration, renewed_from=mandate)
    if duplicate is not None:
        duplicate.superseded_authorisations = []
        return duplicate
    new = _insert_mandate(aidant=aidant, organisation=organisation, usager=usager, codes=codes,
                          duration=duration, renewed_from=mandate)
    audit.record(EventType.MANDATE_RENEWED, actor=Actor.aidant(aidant, organisation),
                 structure=organisation, usager=usager, mandate=new,
                 payload=_mandate_payload(new, codes))
    return new


@transaction.atomic
def authorisation_revoke(*, authorisation: Authorisation, actor, reason: str) -> Authorisation:
    """Revoke one authorisation. Any active member of the owning structure may.

    The mandate is revoked too when no authorisation remains. Journal: AUTHORISATION_REVOKED
    (+ MANDATE_REVOKED with cause "all_authorisations_revoked").
    """
    reason = _check_reason(reason)
    authorisation = Authorisation.objects.select_for_update().select_related(
        "mandate", "mandate__organisation").get(pk=authorisation.pk)
    mandate = authorisation.mandate
    _check_may_act(actor, mandate.organisation, need_habilitation=False)
    if not authorisation.is_active():
        raise MandateError("Cette autorisation n'est plus active : rien à révoquer.")
    now, audit_actor = timezone.now(), Actor.aidant(actor, mandate.organisation)
    authorisation.revoked_at, authorisation.revoked_by = now, actor
    authorisation.revocation_reason = reason
    authorisation.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(EventType.AUTHORISATION_REVOKED, actor=audit_actor,
                 structure=mandate.organisation_id, usager=mandate.usager_id, mandate=mandate,
                 authorisation=authorisation, demarche=authorisation.demarche,
                 payload={"reason_length": len(reason)}, personal={"reason": reason})
    _close_if_empty(mandate, actor=audit_actor, when=now, reason=reason,
                    cause="all_authorisations_revoked")
    return authorisation


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor, reason: str) -> Mandate:
    """Revoke a whole mandate and its remaining authorisations. Journal: MANDATE_REVOKED."""
    reason = _check_reason(reason)
    mandate = Mandate.objects.select_for_update().select_related("organisation").get(
        pk=mandate.pk)
    _check_may_act(actor, mandate.organisation, need_habilitation=False)
    if not mandate.is_active():
        raise MandateError("Ce mandat n'est plus actif : rien à révoquer.")
    now = timezone.now()
    revoked_ids = list(mandate.authorisations.filter(revoked_at__isnull=True)
                       .values_list("pk", flat=True))
    mandate.authorisations.filter(pk__in=revoked_ids).update(
        revoked_at=now, revoked_by=actor, revocation_reason=reason)
    mandate.revoked_at, mandate.revoked_by, mandate.revocation_reason = now, actor, reason
    mandate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(EventType.MANDATE_REVOKED, actor=Actor.aidant(actor, mandate.organisation),
                 structure=mandate.organisation_id, usager=mandate.usager_id, mandate=mandate,
                 payload={"authorisations": revoked_ids, "cause": "revoked"},
                 personal={"reason": reason})
    return mandate


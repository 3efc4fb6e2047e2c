"""Usagers, mandates and their per-démarche authorisations.

A mandate belongs to a structure (not to one aidant), is given by one usager and holds one
authorisation per démarche, each revocable on its own. Expiry is computed on read: no periodic
job is needed for correctness.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from aidants.demarches import Demarche
from aidants.models import Organisation
from mandates.text import search_key

# The longest legal mandate is 12 calendar months: at most 366 days (leap year), plus one hour
# when the wall-clock end falls on the other side of a daylight-saving change (Europe/Paris).
MAX_MANDATE_SPAN = timedelta(days=366, hours=1)


class UsagerQuerySet(models.QuerySet):
    def not_erased(self):
        return self.filter(erased_at__isnull=True)


class Usager(models.Model):
    """A person identified through FranceConnect, keyed on (issuer, pairwise sub).

    Identity fields keep FranceConnect's formats: `birthdate` may be presumed (`YYYY-MM-00`,
    `YYYY-00-00`), so it is kept as text; `birthplace` is an INSEE commune code or empty when
    born abroad; `birthcountry` an INSEE country code (99100 = France).
    """

    class Gender(models.TextChoices):
        MALE = "male", "Homme"
        FEMALE = "female", "Femme"

    fc_issuer = models.CharField(max_length=255)
    fc_sub = models.CharField(max_length=255)
    given_name = models.CharField("prénoms", max_length=255)
    family_name = models.CharField("nom de naissance", max_length=255)
    preferred_username = models.CharField("nom d'usage", max_length=255, blank=True)
    birthdate = models.CharField("date de naissance", max_length=10)
    gender = models.CharField("sexe", max_length=8, choices=Gender.choices, blank=True)
    birthplace = models.CharField("commune de naissance (INSEE)", max_length=5, blank=True)
    birthcountry = models.CharField("pays de naissance (INSEE)", max_length=5, default="99100")
    email = models.EmailField("adresse e-mail", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # RGPD purge: identity fields blanked, the row kept so the journal's references stay valid.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Lower-case, accent-free "given family usage" names: accent-insensitive search on every
    # database without an extension. Kept in step with the names by `save()`.
    search_name = models.CharField(max_length=800, blank=True, editable=False)

    objects = UsagerQuerySet.as_manager()

    class Meta:
        verbose_name = "usager"
        constraints = [
            models.UniqueConstraint(fields=["fc_issuer", "fc_sub"], name="usager_unique_fc_sub"),
        ]
        indexes = [
            models.Index(fields=["birthdate"], name="usager_birthdate_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.given_name, self.family_name, self.preferred_username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "family_name",
                                          "preferred_username"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return "Usager effacé"
        name = self.preferred_username or self.family_name
        return f"{self.given_name} {name}".strip()

    @property
    def initials(self) -> str:
        first = self.given_name[:1]
        last = (self.preferred_username or self.family_name)[:1]
        return f"{first}. {last}.".upper() if first and last else "—"


class MandateQuerySet(models.QuerySet):
    """Status is computed on read from `revoked_at` and `expires_at`: exact without any cron."""

    def active(self, at=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())

    def expired(self, at=None):
        return self.filter(revoked_at__isnull=True, expires_at__lte=at or timezone.now())

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def ended(self, at=None):
        """Expired or revoked."""
        at = at or timezone.now()
        return self.filter(models.Q(revoked_at__isnull=False) | models.Q(expires_at__lte=at))

    def for_structure(self, structure):
        return self.filter(organisation=structure)

    def expiring_within(self, days: int, at=None):
        at = at or timezone.now()
        return self.active(at).filter(expires_at__lte=at + timedelta(days=days))


class Mandate(models.Model):
    class Duration(models.TextChoices):
        ONE_DAY = "1d", "1 jour (jusqu'à minuit)"
        ONE_MONTH = "1m", "1 mois"
        SIX_MONTHS = "6m", "6 mois"
        TWELVE_MONTHS = "12m", "12 mois"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="mandates")
    usager = models.ForeignKey(Usager, on_delete=models.PROTECT, related_name="mandates")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="mandates_created")
    created_at = models.DateTimeField(default=timezone.now)
    duration = models.CharField(max_length=4, choices=Duration.choices)
    expires_at = models.DateTimeField()
    renewed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="renewals")
    # Short code printed on the receipt and encoded in its QR code (public verification page).
    short_code = models.CharField(max_length=16, unique=True)
    receipt_version = models.CharField(max_length=16, blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revocation_reason = models.TextField(blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = "mandat"
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                   name="mandate_expires_after_creation"),
            # Legal rule: a mandate never lasts more than 12 months.
            models.CheckConstraint(
                condition=models.Q(expires_at__lte=models.F("created_at") + MAX_MANDATE_SPAN),
                name="mandate_at_most_12_months"),
        ]
        indexes = [
            # Aidant space: a structure's active mandates, bounded by expiry. Partial (only
            # unrevoked rows) and ending with `usager` so the usager list is an index-only
            # scan (a key column rather than INCLUDE, which SQLite lacks: models.W040).
            models.Index(fields=["organisation", "expires_at", "usager"],
                         condition=models.Q(revoked_at__isnull=True),
                         name="mandate_org_active_usager_idx"),
            # A usager's file and the supersede check (same usager, same structure).
            models.Index(fields=["usager", "organisation"], name="mandate_usager_org_idx"),
        ]

    def __str__(self) -> str:
        return f"Mandat {self.short_code}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at

    def status(self, at=None) -> str:
        """"active", "expired" or "revoked" (revocation wins over expiry)."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_active(at) else "expired"


class AuthorisationQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, mandate__revoked_at__isnull=True,
                           mandate__expires_at__gt=at)


class Authorisation(models.Model):
    """One démarche covered by a mandate; revocable on its own."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="authorisations")
    demarche = models.CharField(max_length=32, choices=Demarche.choices)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revocation_reason = models.TextField(blank=True)
    # Set when a newer mandate on the same démarche (same usager, same structure) replaced it.
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        verbose_name = "autorisation"
        constraints = [
            models.UniqueConstraint(fields=["mandate", "demarche"],
                                    name="authorisation_unique_demarche"),
        ]

    def __str__(self) -> str:
        return f"{self.get_demarche_display()} ({self.mandate})"

    def is_active(self, at=None) -> bool:
        return self.revoked_at is None and self.mandate.is_active(at)

    def status(self, at=None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return self.mandate.status(at)

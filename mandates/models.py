"""Usagers, mandates and their per-démarche authorisations.

A mandate belongs to a structure (not to one aidant), is given by one usager and holds one
authorisation per démarche, each revocable on its own. Expiry is computed on read: no periodic
job is needed for correctness.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from aidants.demarches import Demarche
from aidants.models import Organisation


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

    class Meta:
        verbose_name = "usager"
        constraints = [
            models.UniqueConstraint(fields=["fc_issuer", "fc_sub"], name="usager_unique_fc_sub"),
        ]

    def __str__(self) -> str:
        return self.display_name

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

    class Meta:
        verbose_name = "mandat"
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                   name="mandate_expires_after_creation"),
        ]

    def __str__(self) -> str:
        return f"Mandat {self.short_code}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at


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

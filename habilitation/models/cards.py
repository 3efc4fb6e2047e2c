"""Hardware TOTP cards in stock, attributed by a structure's référent to its aidants.

The secret is encrypted at rest (`aidants.crypto`, Fernet) and never shown back. When the
référent confirms a card with the code it displays, a confirmed `TOTPDevice` (kind "card") is
created for the aidant; losing or deactivating the card removes that device.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from aidants import crypto
from aidants.models import Organisation, TOTPDevice


class TOTPCardQuerySet(models.QuerySet):
    def for_organisation(self, organisation):
        return self.filter(organisation=organisation)

    def visible_by(self, aidant):
        if aidant.is_staff:
            return self.all()
        return self.filter(organisation__memberships__aidant=aidant,
                           organisation__memberships__role="referent",
                           organisation__memberships__is_active=True)


class TOTPCard(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", "En stock"
        ASSIGNED = "assigned", "Attribuée, à confirmer"
        ACTIVE = "active", "Active"
        LOST = "lost", "Déclarée perdue"
        DEACTIVATED = "deactivated", "Désactivée"

    serial = models.CharField("numéro de série", max_length=64, unique=True)
    encrypted_key = models.TextField(editable=False)
    step = models.PositiveSmallIntegerField("durée de validité d'un code (s)", default=60)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="totp_cards", verbose_name="structure")
    status = models.CharField("état", max_length=16, choices=Status.choices,
                              default=Status.AVAILABLE)
    aidant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="totp_cards")
    device = models.OneToOneField(TOTPDevice, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="card")
    imported_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Confirmation attempts are throttled (1, 2, 4... seconds), as django-otp throttles devices.
    confirm_failures = models.PositiveSmallIntegerField(default=0)
    confirm_failed_at = models.DateTimeField(null=True, blank=True)

    objects = TOTPCardQuerySet.as_manager()

    class Meta:
        verbose_name = "carte TOTP"
        verbose_name_plural = "cartes TOTP"
        ordering = ["serial"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["available", "lost", "deactivated"])
                | models.Q(aidant__isnull=False),
                name="totp_card_assigned_has_aidant"),
        ]

    def __str__(self) -> str:
        return f"Carte {self.serial}"

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = crypto.encrypt(key)

    @property
    def bin_key(self) -> bytes:
        return crypto.decrypt(self.encrypted_key)

    @property
    def is_usable(self) -> bool:
        return self.status in (self.Status.AVAILABLE, self.Status.ASSIGNED, self.Status.ACTIVE)

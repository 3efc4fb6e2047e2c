"""A structure's sign-up request, reviewed by national staff before the structure exists."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from aidants.demarches import validate_demarche_codes
from aidants.models import Organisation, OrganisationType
from aidants.siret import validate_siret


class StructureRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=StructureRequest.Status.PENDING)


class StructureRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente d'examen"
        APPROVED = "approved", "Validée"
        REFUSED = "refused", "Refusée"

    name = models.CharField("nom de la structure", max_length=200)
    type = models.CharField("type de structure", max_length=32, choices=OrganisationType.choices)
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    address = models.CharField("adresse", max_length=300)
    postal_code = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=120)
    allowed_demarches = models.JSONField(
        "démarches proposées", default=list, validators=[validate_demarche_codes])
    referent_first_name = models.CharField("prénom du référent", max_length=150)
    referent_last_name = models.CharField("nom du référent", max_length=150)
    referent_email = models.EmailField("adresse e-mail du référent")
    referent_profession = models.CharField("profession du référent", max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    refusal_reason = models.TextField("motif du refus", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    organisation = models.OneToOneField(Organisation, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="sign_up")

    objects = StructureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'inscription de structure"
        verbose_name_plural = "demandes d'inscription de structure"
        ordering = ["-created_at"]
        constraints = [
            # Two pending requests for one SIRET would let staff create the structure twice.
            models.UniqueConstraint(fields=["siret"], condition=models.Q(status="pending"),
                                    name="structure_request_one_pending_per_siret"),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="structure_request_refusal_has_reason"),
        ]
        indexes = [models.Index(Lower("referent_email"), name="structure_request_email_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"

    @property
    def referent_full_name(self) -> str:
        return f"{self.referent_first_name} {self.referent_last_name}".strip()

"""Habilitation requests and their workflow (the transition table lives here, and only here)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from aidants.models import Organisation


class HabilitationStatus(models.TextChoices):
    REQUESTED = "requested", "Demandée"
    VALIDATED = "validated", "Validée par l'équipe nationale"
    REFUSED = "refused", "Refusée"
    TRAINED = "trained", "Formation suivie"
    CHARTER_SIGNED = "charter_signed", "Charte signée"
    SECOND_FACTOR_ACTIVE = "second_factor_active", "Second facteur actif"
    HABILITATED = "habilitated", "Habilité"


S = HabilitationStatus

# Every allowed move, and nothing else: a service asking for any other move (a skipped step, a
# step backwards, anything after a refusal) is refused with `next_steps()` in the message.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REQUESTED: (S.VALIDATED, S.REFUSED),
    S.VALIDATED: (S.TRAINED,),
    S.TRAINED: (S.CHARTER_SIGNED,),
    S.CHARTER_SIGNED: (S.SECOND_FACTOR_ACTIVE,),
    S.SECOND_FACTOR_ACTIVE: (S.HABILITATED,),
    S.REFUSED: (),
    S.HABILITATED: (),
}

OPEN_STATUSES = [status for status, targets in TRANSITIONS.items() if targets]


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS[source]


def next_steps(source: str) -> list[str]:
    return [S(target).label for target in TRANSITIONS[source]]


class HabilitationRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def habilitated(self):
        return self.filter(status=S.HABILITATED)

    def for_organisation(self, organisation):
        return self.filter(organisation=organisation)


class HabilitationRequest(models.Model):
    """One person's path to habilitation in one structure (an aidant may have several)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="habilitation_requests",
                                     verbose_name="structure")
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    email = models.EmailField("adresse e-mail")
    profession = models.CharField("profession", max_length=150)
    status = models.CharField("étape", max_length=24, choices=S.choices, default=S.REQUESTED)
    aidant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="habilitations")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    refusal_reason = models.TextField("motif du refus", blank=True)
    training_date = models.DateField("date de la formation", null=True, blank=True)
    training_organisation = models.CharField("organisme de formation", max_length=200,
                                             blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    habilitated_at = models.DateTimeField(null=True, blank=True)

    objects = HabilitationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'habilitation"
        verbose_name_plural = "demandes d'habilitation"
        ordering = ["-created_at"]
        constraints = [
            # One live path per person and structure (refused ones may be asked again).
            models.UniqueConstraint(
                Lower("email"), "organisation",
                condition=~models.Q(status="refused"),
                name="habilitation_request_one_live_per_person"),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="habilitation_request_refusal_has_reason"),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "refused"])
                | models.Q(aidant__isnull=False),
                name="habilitation_request_validated_has_aidant"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} – {self.organisation} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def step_number(self) -> int:
        """1-based position in the happy path, for the progress display (0 when refused)."""
        path = [S.REQUESTED, S.VALIDATED, S.TRAINED, S.CHARTER_SIGNED,
                S.SECOND_FACTOR_ACTIVE, S.HABILITATED]
        return path.index(self.status) + 1 if self.status in path else 0

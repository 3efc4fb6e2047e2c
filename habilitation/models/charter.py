"""The charte déontologique: versioned text every aidant accepts before acting for usagers."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CharterQuerySet(models.QuerySet):
    def published(self, at=None):
        return self.filter(published_at__lte=at or timezone.now())

    def current(self):
        """The version in force: the highest published version, or None."""
        return self.published().order_by("-version").first()


class Charter(models.Model):
    version = models.PositiveIntegerField("version", unique=True)
    text = models.TextField("texte")
    published_at = models.DateTimeField("publiée le", default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = CharterQuerySet.as_manager()

    class Meta:
        verbose_name = "charte déontologique"
        verbose_name_plural = "chartes déontologiques"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Charte déontologique, version {self.version}"


class CharterAcceptance(models.Model):
    aidant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="charter_acceptances")
    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "acceptation de la charte"
        verbose_name_plural = "acceptations de la charte"
        constraints = [
            models.UniqueConstraint(fields=["aidant", "charter"],
                                    name="charter_accepted_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.aidant} – v{self.charter.version}"

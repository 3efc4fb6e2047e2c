"""Structures (Organisation), aidants (the custom user model) and their memberships."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from aidants.demarches import validate_demarche_codes
from aidants.siret import validate_siret


class OrganisationType(models.TextChoices):
    FRANCE_SERVICES = "france_services", "France Services"
    CCAS = "ccas", "CCAS / CIAS"
    MAIRIE = "mairie", "Mairie"
    ASSOCIATION = "association", "Association"
    DEPARTEMENT = "departement", "Conseil départemental"
    OTHER = "other", "Autre"


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Organisation(models.Model):
    """A structure (France Services, CCAS, town hall...). Mandates belong to structures."""

    name = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=32, choices=OrganisationType.choices)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    address = models.CharField("adresse", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    contact_email = models.EmailField("adresse de contact", blank=True)
    allowed_demarches = models.JSONField(
        "démarches proposées", default=list, validators=[validate_demarche_codes])
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AidantManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # E-mail addresses are unique case-insensitively (see the constraint on Aidant).
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra):
        aidant = self.model(email=self.normalize_email(email).lower(), **extra)
        aidant.set_password(password)
        aidant.save(using=self._db)
        return aidant

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class Aidant(AbstractBaseUser, PermissionsMixin):
    """A person with an account: aidant, référent, national staff or auditor. Never shared."""

    email = models.EmailField("adresse e-mail", max_length=254)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    profession = models.CharField("profession", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("équipe nationale", default=False)
    is_auditor = models.BooleanField("auditeur", default=False,
                                     help_text="Lecture seule du journal d'audit.")
    current_structure = models.ForeignKey(
        Organisation, verbose_name="structure en cours", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = AidantManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = "aidant"
        verbose_name_plural = "aidants"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="aidant_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def is_member_of(self, organisation, role: str | None = None) -> bool:
        memberships = self.memberships.filter(organisation=organisation, is_active=True)
        if role:
            memberships = memberships.filter(role=role)
        return memberships.exists()

    def is_referent_of(self, organisation) -> bool:
        return self.is_member_of(organisation, role=Membership.Role.REFERENT)


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, organisation__is_active=True)


class Membership(models.Model):
    """An aidant's place in a structure, with a role. An aidant may belong to several."""

    class Role(models.TextChoices):
        AIDANT = "aidant", "Aidant"
        REFERENT = "referent", "Référent"

    aidant = models.ForeignKey(Aidant, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AIDANT)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "appartenance"
        constraints = [
            models.UniqueConstraint(fields=["aidant", "organisation"],
                                    name="membership_unique_per_structure"),
        ]

    def __str__(self) -> str:
        return f"{self.aidant} – {self.organisation} ({self.get_role_display()})"

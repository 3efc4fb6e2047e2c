"""factory_boy factories shared by every test module (exposed as fixtures in conftest.py)."""

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from aidants.demarches import CATALOGUE
from aidants.models import Aidant, Membership, Organisation, OrganisationType, TOTPDevice
from aidants.siret import luhn_ok
from habilitation.models import (
    Charter,
    CharterAcceptance,
    HabilitationRequest,
    HabilitationStatus,
)
from mandates.models import Authorisation, Mandate, Usager

DEFAULT_PASSWORD = "motdepasse-de-test-2026"
TEST_CHARTER_DATE = datetime(2020, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=8)
def hashed(password: str) -> str:
    # Argon2 costs ~50 ms a hash: hash each test password once per run, not per aidant.
    return make_password(password)


def valid_siret(rng: random.Random | None = None) -> str:
    rng = rng or random
    while True:
        head = "".join(str(rng.randint(0, 9)) for _ in range(13))
        for last in "0123456789":
            if luhn_ok(head + last) and not head.startswith("356000000"):
                return head + last


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"France Services de Testville {n}")
    type = OrganisationType.FRANCE_SERVICES
    siret = factory.LazyFunction(valid_siret)
    address = "1 place de la Mairie"
    postal_code = "35000"
    city = "Rennes"
    contact_email = factory.Sequence(lambda n: f"contact{n}@structure.example")
    allowed_demarches = factory.LazyFunction(lambda: list(CATALOGUE))


class AidantFactory(factory.django.DjangoModelFactory):
    """An active aidant, member (role aidant) of `structure`, which is also their current one."""

    class Meta:
        model = Aidant
        skip_postgeneration_save = True

    class Params:
        structure = factory.SubFactory(OrganisationFactory)

    email = factory.Sequence(lambda n: f"aidant{n}@structure.example")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    profession = "Conseiller numérique"
    password = factory.LazyFunction(lambda: hashed(DEFAULT_PASSWORD))
    current_structure = factory.SelfAttribute("structure")

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create and obj.current_structure_id:
            Membership.objects.get_or_create(
                aidant=obj, organisation=obj.current_structure,
                defaults={"role": kwargs.get("role") or Membership.Role.AIDANT})

    @factory.post_generation
    def habilitated(obj, create, extracted, **kwargs):
        # Factory aidants may create and use mandates; `AidantFactory(habilitated=False)` opts out.
        if create and obj.current_structure_id and extracted is not False:
            habilitate(obj, obj.current_structure)


def habilitate(aidant, organisation) -> None:
    """Make `aidant` habilitated in `organisation`: completed habilitation + current charter."""
    # Published long ago so a test travelling back in time still finds a charter in force.
    charter = Charter.objects.current() or Charter.objects.create(
        version=1, text="Charte déontologique de test.", published_at=TEST_CHARTER_DATE)
    CharterAcceptance.objects.get_or_create(aidant=aidant, charter=charter)
    HabilitationRequest.objects.get_or_create(
        aidant=aidant, organisation=organisation,
        defaults={"first_name": aidant.first_name, "last_name": aidant.last_name,
                  "email": aidant.email, "profession": aidant.profession or "Aidant",
                  "status": HabilitationStatus.HABILITATED,
                  "habilitated_at": timezone.now()})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    aidant = factory.SubFactory(AidantFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.AIDANT

    @factory.post_generation
    def habilitated(obj, create, extracted, **kwargs):
        # As for AidantFactory: habilitated in this structure unless `habilitated=False`.
        if create and extracted is not False:
            habilitate(obj.aidant, obj.organisation)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed TOTP app device. `device.key` (test-only attribute) holds the raw key."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(AidantFactory)
    name = "Application"
    confirmed = True
    kind = TOTPDevice.Kind.APP
    step = 30

    @factory.lazy_attribute
    def encrypted_key(self):
        from aidants import crypto

        return crypto.encrypt(bytes(range(20)))


class UsagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Usager

    fc_issuer = "http://testserver/simulateur/franceconnect/api/v2"
    fc_sub = factory.Sequence(lambda n: f"{n:064x}v1")
    given_name = factory.Faker("first_name", locale="fr_FR")
    family_name = factory.Faker("last_name", locale="fr_FR")
    birthdate = "1950-03-14"
    gender = Usager.Gender.FEMALE
    birthplace = "35238"
    birthcountry = "99100"


class MandateFactory(factory.django.DjangoModelFactory):
    """An active 12-month mandate; pass `demarches=[...]` to create its authorisations."""

    class Meta:
        model = Mandate
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    usager = factory.SubFactory(UsagerFactory)
    created_by = factory.SubFactory(AidantFactory,
                                    structure=factory.SelfAttribute("..organisation"))
    created_at = factory.LazyFunction(timezone.now)
    duration = Mandate.Duration.TWELVE_MONTHS
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=365))
    short_code = factory.Sequence(lambda n: f"T{n:07d}")

    @factory.post_generation
    def demarches(obj, create, extracted, **kwargs):
        if create:
            for code in extracted or ["social"]:
                Authorisation.objects.create(mandate=obj, demarche=code)


class AuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorisation

    mandate = factory.SubFactory(MandateFactory, demarches=[])
    demarche = "social"

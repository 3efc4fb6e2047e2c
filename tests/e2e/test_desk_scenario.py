"""The whole desk scenario in a real browser (issue 7), with accessibility checked on every page.

`test_desk_scenario`: a référent requests a habilitation, national staff validate it, the new
aidant sets a password, gets a TOTP card, accepts the charter, enrols a phone app and logs in
with it; creates a mandate with a usager through the FranceConnect simulator; downloads the
receipt and reads it; checks it on the public verification page; acts for the usager on
"CAF – démo"; revokes the mandate; the same delegated login is then refused.

`test_desk_scenario_keyboard_only` ("clavier"): an already habilitated aidant does the
aidant's part (login, wizard, receipt, verification, delegated login, revocation) with the
keyboard alone.
"""

import pytest
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from mandates.models import Mandate
from tests.e2e import scenario
from tests.e2e.scenario import Clock, Person
from tests.e2e.totp import Authenticator

pytestmark = pytest.mark.e2e

CITIZEN = "Angela Claire Louise DUBOIS"
USAGER = "Angela Claire Louise Dubois"
DEMARCHE = "Social – Santé"
CARD_SERIAL = "DEMO-0001"


@pytest.fixture
def demo(site_url, mailoutbox):
    """The demo data `make demo` loads (accounts, charter, TOTP cards, the hub registration)."""
    import io

    from aidants import demo as aidants_demo
    from habilitation import demo as habilitation_demo
    from oidc_bridge import demo as oidc_demo

    out = io.StringIO()
    for module in (aidants_demo, habilitation_demo, oidc_demo):
        module.seed(stdout=out)
    return aidants_demo


@pytest.fixture
def clock(time_machine) -> Clock:
    time_machine.move_to(timezone.now(), tick=True)
    return Clock(time_machine)


def demo_person(desk, demo, email: str) -> Person:
    return Person(desk, email, demo.DEMO_PASSWORD, Authenticator(demo.demo_key(email)))


def habilitate_new_aidant(new_desk, demo, clock) -> Person:
    referent = demo_person(new_desk(), demo, "referente@demoville.example")
    staff = demo_person(new_desk(), demo, "equipe.nationale@demoville.example")
    aidant = Person(new_desk(), "ines.morel@demoville.example", "Un-mot-de-passe-2026!")

    referent.desk.open("/connexion/")
    scenario.login(referent, clock, where="referent-connexion")
    request_url = scenario.request_habilitation(
        referent, first_name="Inès", last_name="Morel", email=aidant.email,
        profession="Conseillère numérique")
    staff.desk.open("/connexion/")
    scenario.login(staff, clock, where="equipe-connexion")
    invite_url = scenario.staff_validates(staff, full_name="Inès Morel")
    scenario.aidant_sets_password(aidant, invite_url)
    scenario.referent_records_training(
        referent, request_url, day=timezone.localdate().isoformat())
    card = Authenticator(key=b"demo-card-secret-1", step=60)
    scenario.referent_gives_card(referent, clock, serial=CARD_SERIAL, card=card,
                                 aidant_name="Inès Morel")

    aidant.authenticator = card
    aidant.desk.open("/connexion/")
    scenario.login(aidant, clock, where="aidant-connexion-carte")
    scenario.aidant_accepts_charter(aidant)
    aidant.authenticator = scenario.aidant_enrols_app(aidant, clock)
    scenario.referent_completes(referent, request_url)

    scenario.logout(aidant)
    scenario.login(aidant, clock, where="aidant-connexion-application")
    scenario.heading(aidant.page, "Bonjour Inès")
    aidant.desk.snap("aidant-accueil")
    return aidant


def mandate_to_refusal(aidant: Person, visitor: Person, clock: Clock) -> None:
    """From a logged-in habilitated aidant: mandate, receipt, verification, CAF, revocation."""
    mandate_url = scenario.create_mandate(aidant, demarche=DEMARCHE, duration="1 mois",
                                          citizen=CITIZEN)
    mandate = Mandate.objects.get(pk=int(mandate_url.rstrip("/").rsplit("/", 1)[1]))
    assert mandate.usager.given_name == "Angela Claire Louise"
    assert list(mandate.authorisations.values_list("demarche", flat=True)) == ["social"]

    pdf, text = scenario.download_receipt(aidant)
    flat = " ".join(text.split())
    for expected in ("Mandat d'aide aux démarches", mandate.short_code, "Angela Claire Louise",
                     "Social – Santé", "France Services de Démoville", "Comment arrêter"):
        assert expected in flat, f"{expected!r} missing from the receipt text"
    scenario.render_receipt_grey(pdf)

    scenario.verify_code(visitor, mandate.short_code)
    page = visitor.page
    assert "En cours" in page.get_by_role("main").inner_text()
    assert "Angela" not in page.get_by_role("main").inner_text()  # initials only

    scenario.act_on_caf(aidant, clock, usager=USAGER, where="agir")
    main = aidant.page.get_by_role("main").inner_text()
    assert "Angela Claire Louise" in main and "Dubois" in main
    assert "Démarche faite par un aidant" in main
    aidant.desk.snap("caf-identite-recue")
    assert Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN,
                                mandate_id=mandate.pk).exists()

    scenario.revoke_mandate(aidant, mandate_url, clock)
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None

    scenario.act_on_caf(aidant, clock, usager=None, where="apres-revocation")
    alert = aidant.page.get_by_role("alert")
    assert "Aucun usager n'a de mandat actif" in alert.inner_text()
    aidant.desk.snap("connexion-deleguee-refusee")
    assert Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN_REFUSED).exists()


def test_desk_scenario(new_desk, demo, clock, auditor):
    aidant = habilitate_new_aidant(new_desk, demo, clock)
    visitor = Person(new_desk(), "", "")
    mandate_to_refusal(aidant, visitor, clock)
    auditor.assert_clean()


def test_desk_scenario_keyboard_only(new_desk, demo, clock, auditor):
    """Clavier : Tab, Maj+Tab, Entrée, Espace (flèches dans un groupe radio), jamais la souris."""
    aidant = demo_person(new_desk(keyboard_only=True), demo, "aidant@demoville.example")
    aidant.desk.open("/connexion/")
    scenario.login_wrong_code_is_tied_to_field(aidant)
    scenario.login(aidant, clock, where="clavier-connexion")
    scenario.skip_link_works(aidant)  # on the home page (the login page focuses its e-mail field)
    visitor = Person(new_desk(keyboard_only=True), "", "")
    mandate_to_refusal(aidant, visitor, clock)
    auditor.assert_clean()

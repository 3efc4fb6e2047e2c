"""The desk scenario, step by step, as the people involved do it in their own browsers.

Each function is one thing a person does; it takes that person's `Desk` (mouse or keyboard
only, see desk.py), screenshots and audits every page it reaches, and checks what the page
says. Locators go through accessible names (labels, roles): a control a screen reader cannot
name cannot be found here either.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.desk import Desk
from tests.e2e.totp import Authenticator

INVITE_LINK = re.compile(r"https?://\S+/habilitation/invitation/\S+/")


@dataclass
class Clock:
    """The shared clock (time_machine moves the server thread too). A TOTP code is accepted
    once per time step (no replay), so each new code is taken one step later."""

    traveller: object

    def code(self, authenticator: Authenticator) -> str:
        return authenticator.next_code(self.traveller)


@dataclass
class Person:
    desk: Desk
    email: str
    password: str
    authenticator: Authenticator | None = None

    @property
    def page(self):
        return self.desk.page


def heading(page, text) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def status(page, text: str) -> None:
    """A message announced to screen readers (role=status) says `text`."""
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


def login(person: Person, clock: Clock, *, where: str = "connexion") -> None:
    """From the login page: e-mail + password, then the one-time code."""
    desk, page = person.desk, person.page
    heading(page, "Connexion")
    desk.snap(f"{where}-mot-de-passe")
    desk.fill(page.get_by_label("Adresse e-mail"), person.email)
    desk.fill(page.get_by_label(re.compile("^Mot de passe")), person.password)
    desk.press(page.get_by_role("button", name="Continuer"))
    heading(page, "Saisissez votre code")
    desk.snap(f"{where}-code")
    desk.fill(page.get_by_label("Code à usage unique"), clock.code(person.authenticator))
    desk.press(page.get_by_role("button", name="Se connecter"))
    expect(page.get_by_role("heading", name="Saisissez votre code")).to_have_count(0)
    # The code page is gone, so the next one has committed: let it finish loading before the
    # caller reads it (a key press does not wait for the navigation it starts).
    page.wait_for_load_state()


def skip_link_works(person: Person) -> None:
    """RGAA 12.7: the first Tab stop is « Aller au contenu », and Enter moves focus to <main>."""
    page = person.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'contenu'",
                           timeout=3000)


def logout(person: Person) -> None:
    person.desk.press(person.page.get_by_role("button", name="Se déconnecter"))
    heading(person.page, "Connexion")


def login_wrong_code_is_tied_to_field(person: Person) -> None:
    """A wrong code: the error is announced and tied to the field (RGAA 11.10)."""
    desk, page = person.desk, person.page
    desk.fill(page.get_by_label("Adresse e-mail"), person.email)
    desk.fill(page.get_by_label(re.compile("^Mot de passe")), person.password)
    desk.press(page.get_by_role("button", name="Continuer"))
    desk.fill(page.get_by_label("Code à usage unique"), "000000")
    desk.press(page.get_by_role("button", name="Se connecter"))
    field = page.get_by_label("Code à usage unique")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    errors = " ".join(page.locator(f"#{i}").inner_text() for i in described.split())
    assert "Code incorrect" in errors, f"error not tied to the code field: {described!r}"
    desk.snap("code-errone")
    desk.open("/connexion/")


# --- Habilitation ---------------------------------------------------------------------------

def request_habilitation(referent: Person, *, first_name, last_name, email, profession) -> str:
    """The référent files the request; returns the request page URL."""
    desk, page = referent.desk, referent.page
    desk.open("/habilitation/demandes/nouvelle/")
    heading(page, "Demander l'habilitation")
    desk.snap("referent-demande-habilitation")
    desk.fill(page.get_by_label("Prénom"), first_name)
    desk.fill(page.get_by_label(re.compile("^Nom")), last_name)
    desk.fill(page.get_by_label("Adresse e-mail"), email)
    desk.fill(page.get_by_label("Profession"), profession)
    desk.press(page.get_by_role("button", name="Envoyer la demande"))
    heading(page, f"Habilitation de {first_name} {last_name}")
    status(page, "Demande envoyée")
    desk.snap("referent-demande-envoyee")
    return page.url


def staff_validates(staff: Person, *, full_name: str) -> str:
    """National staff validate the request; returns the invitation link e-mailed to the aidant."""
    desk, page = staff.desk, staff.page
    desk.open("/habilitation/demandes/")
    desk.snap("equipe-liste-demandes")
    desk.press(page.get_by_role("link", name=full_name))
    heading(page, f"Habilitation de {full_name}")
    desk.snap("equipe-demande")
    desk.press(page.get_by_role("button", name="Valider la demande"))
    status(page, "Étape enregistrée")
    desk.snap("equipe-demande-validee")
    invitations = [m for m in mail.outbox if "validée" in m.subject]
    assert invitations, [m.subject for m in mail.outbox]
    return INVITE_LINK.search(invitations[-1].body).group(0)


def aidant_sets_password(aidant: Person, invite_url: str) -> None:
    desk, page = aidant.desk, aidant.page
    desk.open(invite_url)
    heading(page, "Créer votre mot de passe")
    desk.snap("aidant-invitation")
    desk.fill(page.get_by_label(re.compile("^Nouveau mot de passe")), aidant.password)
    desk.fill(page.get_by_label("Confirmation du nouveau mot de passe"), aidant.password)
    desk.press(page.get_by_role("button", name="Enregistrer le mot de passe"))
    status(page, "mot de passe est enregistré")
    desk.snap("aidant-mot-de-passe-cree")


def referent_records_training(referent: Person, request_url: str, *, day: str) -> None:
    desk, page = referent.desk, referent.page
    desk.open(request_url)
    desk.fill(page.get_by_label("Date de la formation"), day)
    desk.fill(page.get_by_label("Organisme de formation"), "Formation Aidants 35")
    desk.press(page.get_by_role("button", name="Enregistrer la formation"))
    status(page, "Étape enregistrée")
    desk.snap("referent-formation-enregistree")


def referent_gives_card(referent: Person, clock: Clock, *, serial: str, card: Authenticator,
                        aidant_name: str) -> None:
    desk, page = referent.desk, referent.page
    desk.open("/habilitation/cartes/")
    desk.snap("referent-cartes")
    desk.press(page.get_by_role("link", name=f"Attribuer la carte {serial}"))
    heading(page, f"Attribuer la carte {serial}")
    desk.select(page.get_by_label("Aidant"), aidant_name)
    desk.snap("referent-attribue-carte")
    desk.press(page.get_by_role("button", name="Attribuer"))
    heading(page, f"Confirmer la carte {serial}")
    desk.snap("referent-confirme-carte")
    desk.fill(page.get_by_label("Code affiché sur la carte"), clock.code(card))
    desk.press(page.get_by_role("button", name="Confirmer la carte"))
    status(page, f"La carte {serial} est active")


def aidant_accepts_charter(aidant: Person) -> None:
    desk, page = aidant.desk, aidant.page
    desk.open("/habilitation/charte/")
    heading(page, "Charte déontologique")
    desk.snap("aidant-charte")
    desk.press(page.get_by_label("J'ai lu la charte déontologique"))
    desk.press(page.get_by_role("button", name="Accepter la charte"))
    status(page, "Vous avez accepté")


def aidant_enrols_app(aidant: Person, clock: Clock) -> Authenticator:
    """Account security → add a phone app; the key shown on the page is what the app stores."""
    desk, page = aidant.desk, aidant.page
    desk.open("/")
    desk.press(page.get_by_role("link", name="Mon compte et sécurité"))
    heading(page, "Mon compte et sécurité")
    desk.snap("aidant-securite")
    desk.press(page.get_by_role("button", name="Ajouter une application"))
    heading(page, "Ajouter une application")
    expect(page.locator("svg title, svg[aria-label]").first).to_be_attached()
    desk.snap("aidant-enrolement-application")
    secret = page.locator("figcaption .code").inner_text()
    app = Authenticator(key=_b32(secret))
    desk.fill(page.get_by_label("Code affiché par l'application"), clock.code(app))
    desk.press(page.get_by_role("button", name="Valider l'application"))
    status(page, "Votre application est enregistrée")
    return app


def _b32(grouped: str) -> bytes:
    from base64 import b32decode

    compact = "".join(grouped.split()).upper()
    return b32decode(compact + "=" * (-len(compact) % 8))


def referent_completes(referent: Person, request_url: str) -> None:
    desk, page = referent.desk, referent.page
    desk.open(request_url)
    desk.press(page.get_by_role("button", name="Vérifier le second facteur"))
    status(page, "Étape enregistrée")
    desk.press(page.get_by_role("button", name="Déclarer l'aidant habilité"))
    expect(page.get_by_text("Habilité – fait")).to_be_visible()
    desk.snap("referent-aidant-habilite")


# --- Mandate ---------------------------------------------------------------------------------

def create_mandate(aidant: Person, *, demarche: str, duration: str, citizen: str) -> str:
    """The 3-step wizard with the usager logging in on the simulator; returns the mandate URL."""
    desk, page = aidant.desk, aidant.page
    desk.open("/")
    desk.press(page.get_by_role("link", name=re.compile("^Les mandats")))
    heading(page, "Usagers de")
    desk.snap("espace-mandats")
    desk.press(page.get_by_role("link", name="Nouveau mandat"))
    heading(page, "Nouveau mandat")
    desk.snap("assistant-1-demarches")
    desk.press(page.get_by_role("button", name="Continuer"))  # nothing chosen yet
    group = page.get_by_role("group", name="Démarches que l'aidant pourra faire")
    # The same fieldset is on the page before the submit: wait for the error page itself.
    expect(page).to_have_title(re.compile(r"^Erreur"))
    expect(group).to_have_attribute("aria-describedby", re.compile(r"\S"))
    described = group.get_attribute("aria-describedby") or ""
    assert described and "Choisissez" in page.locator(f"#{described.split()[0]}").inner_text(), (
        f"the démarches error is not tied to its fieldset: {described!r}")
    assert page.title().startswith("Erreur"), page.title()
    desk.snap("assistant-1-erreur")
    desk.press(page.get_by_role("checkbox", name=demarche))
    desk.choose(page.get_by_role("radio", name=duration))
    desk.press(page.get_by_role("button", name="Continuer"))
    heading(page, "Identifier l'usager")
    desk.snap("assistant-2-franceconnect")
    desk.press(page.get_by_role("link", name="Identifier l'usager avec FranceConnect"))
    heading(page, "Se connecter avec FranceConnect (simulateur)")
    desk.snap("simulateur-franceconnect-usager")
    desk.choose(page.get_by_role("radio", name=citizen))
    desk.press(page.get_by_role("button", name="Se connecter", exact=True))
    heading(page, "Récapitulatif du mandat")
    desk.snap("assistant-3-recapitulatif")
    desk.press(page.get_by_role("checkbox", name="L'usager a lu le récapitulatif"))
    desk.press(page.get_by_role("checkbox", name="Je m'engage à n'agir que"))
    desk.press(page.get_by_role("button", name="Créer le mandat"))
    heading(page, "Mandat de")
    desk.snap("mandat-cree")
    return page.url


def download_receipt(aidant: Person) -> tuple[Path, str]:
    """Fetch the receipt PDF with the aidant's session; return the file and its text (pypdf).

    The receipt opens inline (Content-Disposition: inline) in the browser's PDF viewer, which
    Playwright cannot read; the same request is made through the browser context (its cookies),
    after checking the link is reachable (by keyboard in keyboard-only mode).
    """
    desk, page = aidant.desk, aidant.page
    link = page.get_by_role("link", name="Imprimer le récépissé")
    if desk.keyboard_only:
        desk.focus(link)
    response = page.context.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf", response
    path = desk.shots / f"recepisse-{page.url.rstrip('/').rsplit('/', 1)[1]}.pdf"
    path.write_bytes(response.body())
    assert path.read_bytes().startswith(b"%PDF-"), path
    text = "\n".join(pdf_page.extract_text() for pdf_page in PdfReader(path).pages)
    return path, text


def render_receipt_grey(pdf: Path) -> Path | None:
    """Page 1 in greyscale (pdftoppm -gray), as a black-and-white printer would see it."""
    if shutil.which("pdftoppm") is None:
        return None
    out = pdf.with_name(pdf.stem + "-page1-gris")
    subprocess.run(["pdftoppm", "-gray", "-r", "110", "-f", "1", "-l", "1", "-png",
                    "-singlefile", str(pdf), str(out)], check=True, timeout=60)
    return out.with_suffix(".png")


def verify_code(visitor: Person, code: str) -> None:
    """The public verification page, as anyone holding the receipt uses it."""
    desk, page = visitor.desk, visitor.page
    desk.open("/mandats/verifier/")
    heading(page, "Vérifier un mandat")
    desk.snap("verification-formulaire")
    desk.fill(page.get_by_label("Code de vérification"), "ZZ")
    desk.press(page.get_by_role("button", name="Vérifier"))
    field = page.get_by_label("Code de vérification")
    expect(field).to_have_attribute("aria-invalid", "true")
    desk.snap("verification-code-errone")
    desk.fill(field, code)
    desk.press(page.get_by_role("button", name="Vérifier"))
    heading(page, "Vérification du mandat")
    desk.snap("verification-resultat")


def act_on_caf(aidant: Person, clock: Clock, *, usager: str | None, where: str) -> None:
    """On "CAF – démo": log in via FranceConnect, pick Procuration, log in again (prompt=login),
    then (if a usager is given) choose the usager: their mandate covers one of the démarches the
    CAF asks for, so that click is the confirmation and lands back on the CAF."""
    desk, page = aidant.desk, aidant.page
    desk.open("/simulateur/caf/")
    heading(page, "CAF – démo")
    desk.snap(f"{where}-caf-accueil")
    desk.press(page.get_by_role("link", name="Se connecter avec FranceConnect"))
    heading(page, "Je choisis un compte")
    desk.snap(f"{where}-hub-choix")
    desk.press(page.get_by_role("button", name="Procuration – aidants"))
    login(aidant, clock, where=f"{where}-reconnexion")
    if usager is None:
        return
    heading(page, "Agir pour un usager")
    desk.snap(f"{where}-choix-usager")
    desk.choose(page.get_by_role("radio", name=usager))
    desk.press(page.get_by_role("button", name="Agir pour cet usager"))
    heading(page, "CAF – démo")


def revoke_mandate(aidant: Person, mandate_url: str, clock: Clock) -> None:
    desk, page = aidant.desk, aidant.page
    desk.open(mandate_url)
    if "/connexion/" in page.url:
        login(aidant, clock, where="revocation")
    desk.press(page.get_by_role("link", name="Révoquer tout le mandat"))
    # A key press returns before the navigation it starts: wait until the browser is on one of
    # the two pages the link can lead to (the code is asked again after 15 idle minutes).
    page.wait_for_url(re.compile(r"/revoquer/|/connexion/verification/"))
    if "/connexion/verification/" in page.url:
        desk.fill(page.get_by_label("Code à usage unique"), clock.code(aidant.authenticator))
        desk.press(page.get_by_role("button", name="Continuer"))
    heading(page, "Révoquer tout le mandat")
    desk.snap("revocation-motif")
    desk.fill(page.get_by_label("Motif de la révocation"), "Demande de l'usager")
    desk.press(page.get_by_role("button", name="Continuer"))
    # Same heading on both steps: the confirmation button says the second one is shown.
    expect(page.get_by_role("button", name="Confirmer la révocation")).to_be_visible()
    desk.snap("revocation-confirmation")
    desk.press(page.get_by_role("button", name="Confirmer la révocation"))
    heading(page, "Mandat de")
    expect(page.locator(".badge-revoked").first).to_be_visible()
    desk.snap("mandat-revoque")

"""Key pages at 320 CSS pixels wide (RGAA 10.11, WCAG 1.4.10 "reflow"): what a person sees
when zooming to 400 % on a desk laptop, or on a phone. Nothing may need horizontal scrolling."""

import pytest
from django.test import Client

from tests.conftest import login_with_otp
from tests.e2e.scenario import heading

pytestmark = pytest.mark.e2e

# Data tables are the exception WCAG 1.4.10 allows (two-dimensional layout): not counted.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !el.closest('table');
  }).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def mandate(db):
    from aidants import demo as aidants_demo
    from habilitation import demo as habilitation_demo
    from mandates.models import Mandate
    from tests.factories import MandateFactory

    aidants_demo.seed(stdout=None)
    habilitation_demo.seed(stdout=None)
    aidant = aidants_demo.Aidant.objects.get(email="aidant@demoville.example")
    return MandateFactory(organisation=aidant.current_structure, created_by=aidant,
                          demarches=["social", "argent"]), Mandate


def _log_in(context, site_url, aidant) -> None:
    client = login_with_otp(Client(), aidant)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": site_url}])


@pytest.mark.parametrize("path, title", [
    ("/connexion/", "Connexion"),
    ("/mandats/verifier/", "Vérifier un mandat"),
    ("/mandats/nouveau/", "Nouveau mandat"),
    ("/mandats/", None),
    ("mandate", "Mandat de"),
    ("verify", "Vérification du mandat"),
], ids=["connexion", "verification-formulaire", "assistant", "espace", "mandat",
        "verification-resultat"])
def test_key_pages_reflow_at_320_pixels(browser, site_url, shots, auditor, mandate, path,
                                        title):
    from playwright.sync_api import expect

    from tests.e2e.conftest import CONTEXT_OPTIONS

    created, _ = mandate
    options = {**CONTEXT_OPTIONS, "viewport": {"width": 320, "height": 640}}
    context = browser.new_context(base_url=site_url, **options)
    try:
        _log_in(context, site_url, created.created_by)
        page = context.new_page()
        url = {"mandate": f"/mandats/{created.pk}/",
               "verify": f"/mandats/verifier/{created.short_code}/"}.get(path, path)
        if path == "/connexion/":
            context.clear_cookies()
        page.goto(site_url + url)
        if title:
            heading(page, title)
        else:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.screenshot(path=str(shots / "320px.png"), full_page=True)
        auditor.check(page, "320px")
        state = page.evaluate(OVERFLOW_JS)
        assert not state["wide"], f"{url} needs horizontal scrolling at 320 px: {state}"
    finally:
        context.close()
    auditor.assert_clean()

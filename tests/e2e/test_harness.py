"""The e2e harness itself can fail: axe-core, the page checks and the keyboard helpers catch
what they claim to catch (a checker that never fails proves nothing about the pages it passes)."""

import json

import pytest

from tests.e2e import keyboard

pytestmark = pytest.mark.e2e

BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><title></title>
<style>.pale { color: #bbb; background: #fff; } button:focus { outline: none; }</style></head>
<body><main><h1>Formulaire</h1>
<input id="nom" type="text" aria-invalid="true">
<p class="pale">Texte trop pâle pour être lu.</p>
<button type="button" id="b1">Premier</button> <button type="button" id="b2">Second</button>
</main></body></html>"""

GOOD_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Erreur – Essai</title></head>
<body><main><h1>Formulaire</h1>
<label for="nom">Nom</label>
<input id="nom" type="text" aria-invalid="true" aria-describedby="nom-err">
<p id="nom-err">Indiquez votre nom.</p>
<button type="button" id="b1">Envoyer</button></main></body></html>"""


def test_auditor_fails_on_serious_violations_and_writes_a_report(desk):
    desk.page.set_content(BAD_PAGE)
    violations = desk.auditor.check(desk.page, "bad-page")

    ids = {v["id"]: v["impact"] for v in violations}
    assert ids["label"] == "critical"
    assert ids["color-contrast"] == "serious"
    with pytest.raises(AssertionError) as failure:
        desk.auditor.assert_clean()
    message = str(failure.value)
    assert "label [critical]" in message
    assert "color-contrast [serious]" in message
    assert "https://dequeuniversity.com/rules/axe/" in message
    assert "cible : #nom" in message
    assert 'la langue doit être "fr"' in message
    assert "titre de page vide" in message
    assert "champ nom en erreur sans message relié" in message
    assert "le titre ne le dit pas" in message

    report = json.loads(next(desk.auditor.report_dir.glob("*bad-page.json")).read_text())
    assert report["summary"]["critical"] >= 1 and report["summary"]["serious"] >= 1
    assert {v["id"] for v in report["violations"]} >= {"label", "color-contrast"}


def test_auditor_passes_a_clean_page(desk):
    desk.page.set_content(GOOD_PAGE)
    desk.auditor.check(desk.page, "good-page")
    desk.auditor.assert_clean()


def test_keyboard_reaches_controls_both_ways_and_flags_invisible_focus(desk):
    page = desk.page
    page.set_content(BAD_PAGE)
    unseen = keyboard.tab_to(page, page.locator("#b2"))
    assert page.evaluate("document.activeElement.id") == "b2"
    assert any("#b1" in label for label in unseen) and any("#b2" in label for label in unseen)

    keyboard.tab_to(page, page.locator("#nom"))  # backwards, with Shift+Tab
    assert page.evaluate("document.activeElement.id") == "nom"

    page.set_content(GOOD_PAGE)
    assert keyboard.tab_to(page, page.locator("#b1")) == []

"""Filters for the desk pages: French dates as people read them."""

from django import template

from aidants.demarches import CATALOGUE
from mandates.text import french_birthdate, french_end

register = template.Library()


@register.filter
def birthdate_fr(value: str) -> str:
    return french_birthdate(value)


@register.filter
def end_fr(value) -> str:
    return french_end(value) if value else ""


@register.filter
def demarche_label(code: str) -> str:
    info = CATALOGUE.get(code or "")
    return info.label if info else ""

"""`aidants.decorators`: an aidant page needs an active membership of an active current
structure; the structure read for that check is the one the page shows."""

import pytest
from django.urls import reverse

from aidants.models import Aidant, Membership


@pytest.mark.django_db
def test_the_checked_structure_is_the_one_the_page_shows(aidant_client, aidant, organisation):
    response = aidant_client.get(reverse("mandates:space"))
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert Aidant.current_structure.field.is_cached(user)
    assert user.current_structure.pk == organisation.pk
    assert organisation.name in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["membership", "structure", "none"])
def test_no_active_current_structure_sends_to_the_structure_choice(what, aidant_client, aidant,
                                                                   organisation):
    if what == "membership":
        Membership.objects.filter(aidant=aidant).update(is_active=False)
    elif what == "structure":
        type(organisation).objects.filter(pk=organisation.pk).update(is_active=False)
    else:
        Aidant.objects.filter(pk=aidant.pk).update(current_structure=None)
    response = aidant_client.get(reverse("mandates:space"))
    assert response.status_code == 302
    assert response["Location"] == reverse("aidants:switch_structure")

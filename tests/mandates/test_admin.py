from django.urls import reverse

from tests import factories


def test_staff_reads_mandates_without_names_and_cannot_edit(staff_client):
    mandate = factories.MandateFactory(usager=factories.UsagerFactory(family_name="Zébulon"))
    listing = staff_client.get(reverse("admin:mandates_mandate_changelist"))
    assert listing.status_code == 200 and mandate.short_code in listing.content.decode()
    detail = staff_client.get(reverse("admin:mandates_mandate_change", args=[mandate.pk]))
    assert detail.status_code == 200 and "Zébulon" not in detail.content.decode()
    usagers = staff_client.get(reverse("admin:mandates_usager_changelist")).content.decode()
    assert "Zébulon" not in usagers
    assert staff_client.get(reverse("admin:mandates_mandate_add")).status_code == 403
    assert staff_client.post(reverse("admin:mandates_mandate_delete", args=[mandate.pk]),
                             {"post": "yes"}).status_code == 403

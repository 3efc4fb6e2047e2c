"""The receipt PDF: the hashed text printed in full, PDF/A-3u, tagged, legible, with a QR code."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from django.conf import settings
from pypdf import PdfReader

from mandates.qr import qr_svg_data_uri, verification_url
from mandates.receipts import receipt_pdf, receipt_text, revocation_pdf, revocation_text
from mandates.receipts.text import blocks
from tests import factories
from tests.mandates.pdf_support import (
    coloured_ratio,
    dark_ratio,
    first_page_png,
    pdf_text,
    words,
)

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 3, 14, 9, 5, tzinfo=UTC)


@pytest.fixture
def mandate():
    usager = factories.UsagerFactory(given_name="Élodie", family_name="Lefèvre")
    return factories.MandateFactory(usager=usager, created_at=CREATED, short_code="ABCD2345",
                                    expires_at=CREATED + timedelta(days=30),
                                    demarches=["social", "argent", "logement"])


def test_pdf_prints_every_line_of_the_hashed_text(mandate, tmp_path):
    printed = words(pdf_text(receipt_pdf(mandate, seal=False), tmp_path))
    for block in blocks(receipt_text(mandate)):
        for line in block.items or [block.text]:
            assert words(line) in printed, line
    # The QR box: grouped short code and the verification address.
    assert "ABCD-2345" in printed
    assert "/mandats/verifier/ABCD2345/" in printed.replace(" ", "")


def test_reprint_prints_the_same_text(mandate, tmp_path, time_machine):
    time_machine.move_to(CREATED + timedelta(hours=1), tick=False)
    first = pdf_text(receipt_pdf(mandate), tmp_path)
    time_machine.move_to(CREATED + timedelta(days=20), tick=False)
    assert pdf_text(receipt_pdf(mandate), tmp_path) == first


def test_pdf_is_tagged_pdfa_3u_in_french(mandate):
    reader = PdfReader(BytesIO(receipt_pdf(mandate)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root and root["/Lang"] == "fr"
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    # PDF/A-3 is PDF 1.7 based; the seal must not declare PDF 2.0.
    assert reader.pdf_header == "%PDF-1.7" and "/Version" not in root
    # Info and XMP agree on the producer (ISO 19005-3 6.6.2.3).
    assert f'pdf:Producer="{reader.metadata["/Producer"]}"' in xmp
    assert reader.metadata["/Title"] == "Mandat n° ABCD2345"


def test_body_type_is_at_least_12_points(mandate):
    reader = PdfReader(BytesIO(receipt_pdf(mandate, seal=False)))
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[text.strip()] = size * abs(tm[0]) * abs(cm[0] or 1)

    reader.pages[0].extract_text(visitor_text=visit)
    body = [size for text, size in sizes.items() if "Son identité a été vérifiée" in text]
    assert body and min(body) >= 12
    assert max(sizes.values()) >= 18  # the title


def test_first_page_renders_legibly_in_grey(mandate, tmp_path):
    png = first_page_png(receipt_pdf(mandate), tmp_path)
    assert png.stat().st_size > 5_000
    with open(png, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    ink = dark_ratio(png)
    assert 0.02 < ink < 0.35, ink  # text and QR code, not a blank or a black page


def test_page_uses_no_colour_so_it_photocopies_well(mandate, tmp_path):
    png = first_page_png(receipt_pdf(mandate, seal=False), tmp_path, gray=False)
    assert coloured_ratio(png) == 0


def test_qr_code_encodes_the_public_verification_address(mandate):
    url = verification_url(mandate.short_code)
    assert url == f"{settings.SITE_URL}/mandats/verifier/ABCD2345/"
    uri = qr_svg_data_uri(url)
    assert uri.startswith("data:image/svg+xml")
    import segno

    expected = segno.make(url, error="m", micro=False).svg_data_uri(
        scale=4, border=2, dark="#000", light="#fff")
    assert uri == expected


def test_revocation_pdf_prints_the_revocation_text(mandate, tmp_path):
    from django.utils import timezone

    mandate.revoked_at = timezone.now()
    mandate.revocation_reason = "Déménagement"
    mandate.save()
    printed = words(pdf_text(revocation_pdf(mandate), tmp_path))
    for block in blocks(revocation_text(mandate)):
        for line in block.items or [block.text]:
            assert words(line) in printed, line
    assert "Attestation de révocation de mandat" in printed

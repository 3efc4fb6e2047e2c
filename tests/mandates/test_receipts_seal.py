"""The PAdES seal: valid, covering the whole file, broken by any change; keys and checks."""

from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from mandates import seal
from mandates.checks import receipt_seal_check
from mandates.receipts import receipt_pdf
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def plain_pdf(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            mandate = factories.MandateFactory(short_code="SEAL2345")
            pdf = receipt_pdf(mandate, seal=False)
            transaction.set_rollback(True)
    return pdf


def trust(material: seal.SealMaterial) -> ValidationContext:
    root = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(material.cert_pem).public_bytes(serialization.Encoding.DER))
    return ValidationContext(trust_roots=[root])


def validate(pdf: bytes, material: seal.SealMaterial):
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    [signature] = reader.embedded_signatures
    return signature, validate_pdf_signature(signature, trust(material))


def test_seal_is_a_valid_pades_signature_over_the_whole_file(plain_pdf):
    sealed = seal.seal_pdf(plain_pdf)
    signature, status = validate(sealed, seal.current_material())
    assert signature.field_name == seal.FIELD_NAME
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert signature.signer_cert.public_key.curve == ("named", "secp256r1")
    assert sealed.startswith(plain_pdf)  # incremental update: the PDF/A body is untouched


def test_tampering_breaks_the_seal(plain_pdf):
    sealed = bytearray(seal.seal_pdf(plain_pdf))
    at = sealed.index(b"/Title")
    sealed[at + 8:at + 9] = b"X" if sealed[at + 8:at + 9] != b"X" else b"Y"
    _, status = validate(bytes(sealed), seal.current_material())
    assert not status.intact and not status.bottom_line


def test_a_change_appended_after_the_seal_is_detected(plain_pdf):
    writer = IncrementalPdfFileWriter(BytesIO(seal.seal_pdf(plain_pdf)), strict=False)
    writer.root["/Lang"] = writer.root["/Lang"].__class__("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    _, status = validate(out.getvalue(), seal.current_material())
    assert status.intact  # the signed revision is unchanged...
    assert status.coverage != SignatureCoverageLevel.ENTIRE_FILE  # ...but it is not all


def test_a_seal_from_another_key_is_not_trusted(plain_pdf):
    other = seal.development_material("another installation")
    _, status = validate(seal.seal_pdf(plain_pdf), other)
    assert status.intact and not status.trusted


def test_configured_pem_content_is_used(plain_pdf, settings):
    material = seal.development_material("configured")
    settings.RECEIPT_SEAL_KEY = material.key_pem.decode()
    settings.RECEIPT_SEAL_CERT = material.cert_pem.decode()
    signature, status = validate(seal.seal_pdf(plain_pdf), material)
    assert status.bottom_line
    assert signature.signer_cert.subject.native["common_name"].startswith("Sceau")
    assert receipt_seal_check() == []


def test_configured_paths_are_read(tmp_path, settings):
    material = seal.development_material("paths")
    (tmp_path / "key.pem").write_bytes(material.key_pem)
    (tmp_path / "cert.pem").write_bytes(material.cert_pem)
    settings.RECEIPT_SEAL_KEY = str(tmp_path / "key.pem")
    settings.RECEIPT_SEAL_CERT = str(tmp_path / "cert.pem")
    assert seal.configured_material() == material
    assert receipt_seal_check() == []


def test_development_key_is_derived_and_stable(settings):
    first = seal.development_material(settings.SECRET_KEY)
    assert seal.current_material() == first
    key = serialization.load_pem_private_key(first.key_pem, None)
    again = serialization.load_pem_private_key(
        seal.development_material.__wrapped__(settings.SECRET_KEY).key_pem, None)
    assert key.private_numbers() == again.private_numbers()
    assert isinstance(key.curve, ec.SECP256R1)


def test_production_refuses_a_missing_seal_key(settings):
    settings.PRODUCTION = True
    settings.RECEIPT_SEAL_KEY = settings.RECEIPT_SEAL_CERT = None
    assert [e.id for e in receipt_seal_check()] == ["mandates.E001"]
    with pytest.raises(seal.SealConfigurationError):
        seal.current_material()


@pytest.mark.parametrize("problem", ["wrong_curve", "mismatch", "garbage", "missing_file"])
def test_unusable_seal_material_is_refused(problem, settings, tmp_path):
    good = seal.development_material("good")
    key_pem, cert_pem = good.key_pem.decode(), good.cert_pem.decode()
    if problem == "wrong_curve":
        key_pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
    elif problem == "mismatch":
        key_pem = seal.development_material("other").key_pem.decode()
    elif problem == "garbage":
        cert_pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    else:
        key_pem = str(tmp_path / "absent.pem")
    settings.RECEIPT_SEAL_KEY, settings.RECEIPT_SEAL_CERT = key_pem, cert_pem
    errors = receipt_seal_check()
    assert [e.id for e in errors] == ["mandates.E002"]

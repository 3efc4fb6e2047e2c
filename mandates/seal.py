"""The service's PAdES seal on receipt PDFs (ETSI EN 319 142-1, baseline B-B; ECDSA P-256).

A forwarded PDF can be checked with any PAdES validator against the service's certificate.
Key and certificate come from `RECEIPT_SEAL_KEY` / `RECEIPT_SEAL_CERT` (PEM content or path).
In development, when they are absent, the key is derived from SECRET_KEY and the certificate is
self-signed, so every process of one installation seals with the same key and nothing is written
to disk; production refuses to start without them (`mandates.checks`).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import constants
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "SceauProcuration"
# Space reserved for the CMS container. Fixing it spares pyHanko a dry-run signature to estimate
# the size (half the sealing time). A P-256 seal with a 3-certificate chain is under 5 kB.
SIGNATURE_BYTES = 8192
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


class SealConfigurationError(RuntimeError):
    """The configured seal key or certificate cannot be used (unreadable, not P-256...)."""


@dataclass(frozen=True)
class SealMaterial:
    key_pem: bytes
    cert_pem: bytes


def _read_pem(value: str) -> bytes:
    """PEM given inline (starts with "-----BEGIN") or as a file path."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise SealConfigurationError(f"seal file unreadable: {value}") from exc


@lru_cache(maxsize=2)
def development_material(secret: str) -> SealMaterial:
    """A P-256 key derived from `secret` and a self-signed certificate (development only)."""
    seed = int.from_bytes(hashlib.sha256(f"receipt-seal:{secret}".encode()).digest(), "big")
    key = ec.derive_private_key(seed % (_P256_ORDER - 1) + 1, ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Procuration (développement)"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Sceau des récépissés – développement"),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(seed >> 100)
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return SealMaterial(
        key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
    )


def configured_material() -> SealMaterial | None:
    key, cert = settings.RECEIPT_SEAL_KEY, settings.RECEIPT_SEAL_CERT
    if not key or not cert:
        return None
    return SealMaterial(key_pem=_read_pem(key), cert_pem=_read_pem(cert))


def current_material() -> SealMaterial:
    material = configured_material()
    if material is None and getattr(settings, "PRODUCTION", False):
        raise SealConfigurationError("RECEIPT_SEAL_KEY and RECEIPT_SEAL_CERT are required")
    return material or development_material(settings.SECRET_KEY)


def _check_pair(material: SealMaterial) -> None:
    try:
        key = serialization.load_pem_private_key(material.key_pem, password=None)
        certs = x509.load_pem_x509_certificates(material.cert_pem)
    except ValueError as exc:
        raise SealConfigurationError("seal key or certificate is not valid PEM") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SealConfigurationError("the seal key must be ECDSA P-256")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if (certs[0].public_key().public_bytes(serialization.Encoding.DER, spki)
            != key.public_key().public_bytes(serialization.Encoding.DER, spki)):
        raise SealConfigurationError("the seal certificate does not match the key")


def certificate_pem() -> bytes:
    """The public certificate (and chain) of the current seal, for validators to trust."""
    return current_material().cert_pem


def certificate_fingerprint() -> str:
    """SHA-256 fingerprint of the seal certificate, as PDF readers display it (AB:CD:...)."""
    cert = x509.load_pem_x509_certificate(certificate_pem())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


class _SealSigner(signers.SimpleSigner):
    """A SimpleSigner whose signed attributes are serialised once.

    asn1crypto re-encodes a freshly built structure on every `dump()`, and pyHanko dumps the
    signed attributes several times (to sign them, then inside SignerInfo and SignedData).
    Re-loading them from their DER gives the same bytes, encoded once: 2 ms of a 12 ms CMS.
    """

    async def signed_attrs(self, *args, **kwargs) -> cms.CMSAttributes:
        attrs = await super().signed_attrs(*args, **kwargs)
        return cms.CMSAttributes.load(attrs.dump())


def load_signer(material: SealMaterial) -> signers.SimpleSigner:
    """Parse and check the material: a P-256 key matching the first certificate."""
    _check_pair(material)
    key: asn1_keys.PrivateKeyInfo = load_private_key_from_pemder_data(material.key_pem, None)
    certs: list[asn1_x509.Certificate] = list(load_certs_from_pemder_data(material.cert_pem))
    return _SealSigner(signing_cert=certs[0], signing_key=key,
                       cert_registry=SimpleCertificateStore.from_certs(certs))


@lru_cache(maxsize=4)
def _signer_for(material: SealMaterial) -> signers.SimpleSigner:
    return load_signer(material)


def signer() -> signers.SimpleSigner:
    """The cached signer of the current configuration (parsing keys costs more than signing)."""
    return _signer_for(current_material())


class _Pdf17Signer(signers.PdfSigner):
    """Keep the sealed file a PDF 1.7, as PDF/A-3 (ISO 19005-3, based on ISO 32000-1) requires.

    pyHanko declares the ISO 32002 extension for ECDSA, which bumps the catalog to PDF 2.0.
    PAdES on PDF 1.7 allows ECDSA already through the ETSI ESIC extension (ETSI EN 319 142-1
    5.1), so only that extension is registered.
    """

    def register_extensions(self, pdf_out, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


_META = signers.PdfSignatureMetadata(
    field_name=FIELD_NAME, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
    reason="Récépissé délivré par Procuration", location="France",
)


def _align_producer(writer: IncrementalPdfFileWriter) -> None:
    """PDF/A needs the Info dictionary and the XMP packet to agree (ISO 19005-3 6.6.2.3).

    pyHanko writes its own name as the XMP `pdf:Producer` but appends it to Info's `/Producer`;
    naming it alone in both keeps the sealed file PDF/A-3u.
    """
    try:
        previous = writer.trailer["/Info"]
    except KeyError:
        return
    info = generic.DictionaryObject(dict(previous.items()))
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.set_info(info)


def seal_pdf(pdf: bytes) -> bytes:
    """Append a PAdES B-B signature covering the whole document (incremental update)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    _align_producer(writer)
    pdf_signer = _Pdf17Signer(_META, signer=signer())
    return pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES).getvalue()

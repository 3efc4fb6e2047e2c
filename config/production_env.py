"""Secrets for the production profile on one machine: `var/production.env`, made once.

`make serve` calls `ensure()`: if the file is absent, every secret production requires is drawn
at random (`secrets`, `cryptography`) and written there, mode 0600; it is never overwritten, so
keys survive restarts (rotating them is a deliberate act, SECURITY.md). Format: one
`NAME=value` per line; PEM values keep their line breaks as the two characters `\\n`. Variables
already set in the environment win over the file, so a real deployment passes its own secrets
(from a secrets manager) and the file is only the fallback for a local run.
"""

import base64
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "var" / "production.env"
_PKCS8 = {"encoding": serialization.Encoding.PEM, "format": serialization.PrivateFormat.PKCS8,
          "encryption_algorithm": serialization.NoEncryption()}


def _pem(key) -> str:
    return key.private_bytes(**_PKCS8).decode()


def _seal_material() -> tuple[str, str]:
    """A P-256 seal key and its self-signed certificate (no CA on a local installation)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Procuration (installation locale)"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Sceau des récépissés"),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    return _pem(key), cert.public_bytes(serialization.Encoding.PEM).decode()


def generate() -> dict[str, str]:
    """Every secret `PROCURATION_ENV=production` requires, freshly drawn."""
    seal_key, seal_cert = _seal_material()
    ed_seed = ed25519.Ed25519PrivateKey.generate().private_bytes_raw()
    oidc_keys = [_pem(ec.generate_private_key(ec.SECP256R1())),
                 _pem(rsa.generate_private_key(public_exponent=65537, key_size=3072))]
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AUDIT_CHECKPOINT_KEY": base64.b64encode(ed_seed).decode(),
        "OIDC_SIGNING_KEYS": ",".join(oidc_keys),
        "OIDC_PAIRWISE_SECRET": secrets.token_urlsafe(32),
        "RECEIPT_SEAL_KEY": seal_key,
        "RECEIPT_SEAL_CERT": seal_cert,
        "FRANCECONNECT_CLIENT_SECRET": secrets.token_urlsafe(32),
    }


def write(values: dict[str, str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{name}={value.replace(chr(10), chr(92) + 'n')}" for name, value in values.items()]
    # Created 0600 from the start: the secrets are never readable by another user, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Secrets de production générés par `make serve` : ne pas versionner.\n")
        handle.write("\n".join(lines) + "\n")


def read(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.replace("\\n", "\n")
    return values


def ensure(path: Path = DEFAULT_PATH) -> tuple[dict[str, str], bool]:
    """The secrets in `path`, generating the file first if absent. Returns (values, created)."""
    if path.exists():
        return read(path), False
    write(generate(), path)
    return read(path), True

"""Signed checkpoints: the signing key, and making a checkpoint of the current head.

Key management (SECURITY.md, section "Journal d'audit"): `settings.AUDIT_CHECKPOINT_KEY` holds
the Ed25519 private key, from the environment or a secrets file, never from the database:
- a PEM private key (`-----BEGIN PRIVATE KEY-----`), or `file:/path/to/key.pem`;
- the base64 of a raw 32-byte seed;
- `dev`: a deterministic key derived from SECRET_KEY, for development and tests only.
Production refuses a missing key, `dev`, and a value pointing at the database (system check
`audit.E001`, see `audit.checks`). The key name in signatures is `settings.AUDIT_ORIGIN`, which is
also the checkpoint's origin line (C2SP convention). Rotating the key: publish the new vkey,
keep the old one for verifying older checkpoints.
"""

import base64
import binascii
import hashlib
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.db import IntegrityError, transaction

from audit import note
from audit.models import Checkpoint, Head


class CheckpointKeyError(ValueError):
    """The checkpoint key setting is missing or unusable."""


DB_PREFIXES = ("db:", "database:", "postgres://", "postgresql://", "sqlite:")


def dev_key() -> Ed25519PrivateKey:
    seed = hashlib.sha256(f"procuration-audit-checkpoint:{settings.SECRET_KEY}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def parse_key(value: str | None) -> Ed25519PrivateKey:
    """The private key a setting value designates; raises CheckpointKeyError when unusable."""
    if not value:
        raise CheckpointKeyError("AUDIT_CHECKPOINT_KEY is not set")
    if value == "dev":
        return dev_key()
    if value.startswith(DB_PREFIXES):
        raise CheckpointKeyError("the checkpoint key must not come from the database")
    if value.startswith("file:"):
        try:
            value = Path(value[5:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CheckpointKeyError(
                f"cannot read the checkpoint key file: {exc.strerror}") from exc
    try:
        if "BEGIN" in value:
            key = load_pem_private_key(value.strip().encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(value, validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise CheckpointKeyError("AUDIT_CHECKPOINT_KEY is not an Ed25519 private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError("AUDIT_CHECKPOINT_KEY is not an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    return parse_key(settings.AUDIT_CHECKPOINT_KEY)


def key_name() -> str:
    return settings.AUDIT_ORIGIN


def public_vkey() -> str:
    """The verifier key auditors give to `python -m audit.verify --pubkey`."""
    return note.vkey(key_name(), signing_key())


def verifier() -> note.Verifier:
    return note.Verifier.parse(public_vkey())


def checkpoint_now() -> Checkpoint | None:
    """Sign the current head unless a checkpoint of that size exists; None for an empty log."""
    with transaction.atomic():
        head = Head.objects.select_for_update().filter(pk=1).first()
        if head is None or head.size == 0:
            return None
        existing = Checkpoint.objects.filter(tree_size=head.size).first()
        if existing is not None:
            return existing
        root = bytes(head.root)
        text = note.sign_checkpoint(origin=settings.AUDIT_ORIGIN, size=head.size, root=root,
                                    key=signing_key(), name=key_name())
        try:
            with transaction.atomic():
                return Checkpoint.objects.create(tree_size=head.size, root_hash=root, note=text)
        except IntegrityError:
            return Checkpoint.objects.get(tree_size=head.size)


_last = {"checkpoint_at": None}


def checkpoint_if_due() -> Checkpoint | None:
    """Checkpoint when AUDIT_CHECKPOINT_INTERVAL seconds passed since the latest one.

    The time of the latest checkpoint is remembered in the process, so the sequencer's loop
    asks the database only when one may be due.
    """
    interval = settings.AUDIT_CHECKPOINT_INTERVAL
    now = time.time()
    if _last["checkpoint_at"] is not None and now - _last["checkpoint_at"] < interval:
        return None
    latest_at = (Checkpoint.objects.order_by("-tree_size")
                 .values_list("created_at", flat=True).first())
    if latest_at is not None and now - latest_at.timestamp() < interval:
        _last["checkpoint_at"] = latest_at.timestamp()
        return None
    checkpoint = checkpoint_now()
    _last["checkpoint_at"] = now
    return checkpoint


def latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size").first()

"""Production refuses a missing, development or database-held checkpoint key."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from audit import note
from audit.checkpoints import parse_key
from audit.checks import checkpoint_key_check


def ids(settings) -> list[str]:
    return [e.id for e in checkpoint_key_check(None)]


@pytest.mark.parametrize("value", [None, "", "dev"])
def test_production_refuses_missing_or_dev_key(settings, value):
    settings.PRODUCTION = True
    settings.AUDIT_CHECKPOINT_KEY = value
    assert ids(settings) == ["audit.E001"]


def test_database_held_or_garbage_key_refused(settings):
    settings.AUDIT_CHECKPOINT_KEY = "db:audit_keys/1"
    assert ids(settings) == ["audit.E002"]
    settings.AUDIT_CHECKPOINT_KEY = "bm90IGEga2V5"
    assert ids(settings) == ["audit.E002"]


def test_production_accepts_pem_key_from_file(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = tmp_path / "audit.pem"
    path.write_bytes(pem)
    settings.PRODUCTION = True
    settings.AUDIT_CHECKPOINT_KEY = f"file:{path}"
    assert ids(settings) == []
    assert note.raw_public(parse_key(f"file:{path}")) == note.raw_public(key)
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    assert note.raw_public(parse_key(base64.b64encode(seed).decode())) == note.raw_public(key)


def test_dev_key_is_deterministic_from_secret_key(settings):
    settings.AUDIT_CHECKPOINT_KEY = "dev"
    first = note.raw_public(parse_key("dev"))
    settings.SECRET_KEY = "another"
    assert note.raw_public(parse_key("dev")) != first

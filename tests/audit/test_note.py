"""C2SP checkpoint format and signed-note signatures."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import note

NAME = "example.org/log"


def test_checkpoint_text_and_signature():
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    root = hashlib.sha256(b"root").digest()
    text = note.sign_checkpoint(origin=NAME, size=42, root=root, key=key, name=NAME)
    body, signature = text.split("\n\n")
    assert body == f"{NAME}\n42\n{base64.b64encode(root).decode()}"
    assert signature.startswith("\u2014 example.org/log ") and signature.endswith("\n")
    blob = base64.b64decode(signature.split(" ")[2])
    public = note.raw_public(key)
    assert blob[:4] == hashlib.sha256(NAME.encode() + b"\n\x01" + public).digest()[:4]
    verifier = note.Verifier.parse(note.vkey(NAME, key))
    assert note.verify_note(text, verifier)
    parsed = note.parse_checkpoint(text)
    assert (parsed.origin, parsed.size, parsed.root) == (NAME, 42, root)


def test_tampered_or_foreign_notes_rejected():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = note.Verifier.parse(note.vkey(NAME, key))
    text = note.sign_checkpoint(origin=NAME, size=1, root=bytes(32), key=key, name=NAME)
    assert not note.verify_note(text.replace(f"{NAME}\n1\n", f"{NAME}\n2\n"), verifier)
    assert not note.verify_note(
        note.sign_checkpoint(origin=NAME, size=1, root=bytes(32), key=other, name=NAME), verifier)
    assert not note.verify_note(text.split("\n\n")[0], verifier)


def test_vkey_parsing_refuses_mismatched_id():
    vkey = note.vkey(NAME, Ed25519PrivateKey.generate())
    name, _, blob = vkey.split("+", 2)
    with pytest.raises(note.NoteError):
        note.Verifier.parse(f"{name}+00000000+{blob}")
    with pytest.raises(note.NoteError):
        note.Verifier.parse("not a key")

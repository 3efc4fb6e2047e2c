"""C2SP checkpoints and signed notes with Ed25519 (no Django import: used by the offline verifier).

Checkpoint body (C2SP tlog-checkpoint): origin line, tree size in decimal, base64 root hash, each
ending in a newline. Signed note (C2SP signed-note): body, a blank line, then signature lines
`— <key name> <base64(4-byte key id || Ed25519 signature over the body)>` (U+2014 em dash). The
key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key). A verifier key
("vkey", what `audit_pubkey` prints and /journal/cle-publique serves) is
`<name>+<hex key id>+<base64(0x01 || public key)>`.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014 "


class NoteError(ValueError):
    """Malformed note, checkpoint or verifier key."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def vkey(name: str, key) -> str:
    public = raw_public(key)
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> "Verifier":
        try:
            name, hex_id, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("verifier key must be <name>+<hex id>+<base64 key>") from exc
        if raw[:1] != ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != hex_id:
            raise NoteError("verifier key is not a valid Ed25519 note key")
        return cls(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the whole signed note

    def body(self) -> bytes:
        return checkpoint_body(self.origin, self.size, self.root)


def checkpoint_body(origin: str, size: int, root: bytes) -> bytes:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def sign_checkpoint(*, origin: str, size: int, root: bytes, key: Ed25519PrivateKey,
                    name: str) -> str:
    body = checkpoint_body(origin, size, root)
    signature = key.sign(body)
    blob = base64.b64encode(key_id(name, raw_public(key)) + signature).decode()
    return f"{body.decode()}\n{DASH}{name} {blob}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a signed checkpoint (signatures are checked by `verify_note`)."""
    body, sep, _ = text.rpartition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) < 3:
        raise NoteError("not a signed checkpoint")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise NoteError("checkpoint size or root is malformed") from exc
    if size < 0 or len(root) != 32 or lines[1] != str(size):
        raise NoteError("checkpoint size or root is malformed")
    return Checkpoint(lines[0], size, root, text)


def verify_note(text: str, verifier: Verifier) -> bool:
    """True if a signature line of `verifier` (name and key id) validly signs the note body.

    Per C2SP signed-note, lines of other keys are ignored; the note is accepted only if our key
    signed it. A line with our name and id but a bad signature rejects the note.
    """
    body, sep, signatures = text.rpartition("\n\n")
    if not sep:
        return False
    body_bytes = (body + "\n").encode()
    for line in signatures.split("\n"):
        if not line.startswith(DASH):
            continue
        name, _, blob = line[len(DASH):].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            continue
        if name != verifier.name or raw[:4] != verifier.id or len(raw) != 68:
            continue
        try:
            verifier.public.verify(raw[4:], body_bytes)
        except InvalidSignature:
            return False
        return True
    return False

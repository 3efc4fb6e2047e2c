"""Canonical bytes of a journal entry, format version 1.

No Django import: the offline verifier uses this module.

Every sequenced entry is stored with the exact bytes that were hashed; verifiers hash those
bytes and never re-serialise a row. Version 1 is one line of UTF-8 JSON, an array of four items:

    ["v1","<prev>",<seq>,<body>]

- `"v1"`: the format version. A future format gets a new tag; old entries keep theirs.
- `<prev>`: 64 lowercase hex digits, the leaf hash of entry `seq - 1` (64 zeros for seq 0).
  It sits at the fixed byte offsets 7..71 so verifiers check the chain without parsing JSON.
- `<seq>`: the entry's 0-based position, which is also its RFC 9162 leaf index.
- `<body>`: a JSON object with exactly the keys of `BODY_KEYS`, serialised with sorted keys, no
  whitespace (`,` and `:` separators), non-ASCII characters written as UTF-8 (not `\\u` escapes),
  Python's `json` escaping for control characters, quotes and backslashes. Integers in decimal;
  floats (avoid them) as Python's shortest round-trip repr; NaN and infinities are refused.
  `time` is the database time of the business transaction in UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
  `personal_hash` commits to the personal payload (see `personal_commitment`), or is null.

The leaf hash is RFC 9162 section 2.1.1's `SHA-256(0x00 || canonical bytes)`. Because `prev` is
inside the hashed bytes the leaves also form a hash chain (`prev_hash`).
"""

import hashlib
import json
from datetime import UTC, datetime

VERSION = "v1"
PREFIX = b'["v1","'
PREV_START = len(PREFIX)          # 7
PREV_END = PREV_START + 64        # 71
SEQ_START = PREV_END + 2          # 73: after `",`
GENESIS_PREV = "0" * 64
BODY_KEYS = (
    "actor_aidant", "actor_kind", "actor_name", "actor_structure", "authorisation", "demarche",
    "event", "mandate", "oidc_client", "payload", "personal_hash", "structure", "time", "usager",
)
PERSONAL_DOMAIN = b"procuration-audit-personal-v1\x00"
# Keys that would carry credentials; the journal refuses them (house rule: never a token,
# code, password or OTP secret in the journal). Counts such as "tokens_revoked" stay allowed.
FORBIDDEN_KEY_SUFFIXES = ("token", "password", "secret", "private_key", "otp_key")
FORBIDDEN_KEYS = frozenset({"code", "pin", "key", "otp", "totp", "passcode"})


class CanonicalError(ValueError):
    """A value cannot be written canonically (NaN, non-string key, credential-like key)."""


def dumps(value) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def check_value(value, path: str = "payload") -> None:
    """Refuse what has no canonical form or looks like a credential."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CanonicalError(f"{path}: NaN and infinities have no JSON form")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: keys must be strings")
            lowered = key.lower()
            if lowered in FORBIDDEN_KEYS or lowered.endswith(FORBIDDEN_KEY_SUFFIXES):
                raise CanonicalError(f"{path}.{key}: credentials never go to the journal")
            check_value(item, f"{path}.{key}")
        return
    raise CanonicalError(f"{path}: {type(value).__name__} is not a JSON value")


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(*, seq: int, prev: str, body: dict) -> bytes:
    """The entry's canonical bytes; `body` must hold exactly BODY_KEYS."""
    if len(prev) != 64:
        raise CanonicalError("prev must be 64 hex digits")
    return b'["v1","%s",%d,%s]' % (prev.encode("ascii"), seq, dumps(body))


def decode(line: bytes) -> tuple[int, str, dict]:
    """(seq, prev, body) of canonical bytes; raises ValueError on anything else."""
    version, prev, seq, body = json.loads(line)
    if version != VERSION or not isinstance(seq, int) or not isinstance(body, dict):
        raise ValueError("not a v1 journal entry")
    return seq, prev, body


def embedded_seq(line: bytes) -> int | None:
    """The seq written in canonical bytes, read at its fixed offset, or None if malformed."""
    if not line.startswith(PREFIX):
        return None
    end = line.find(b",", SEQ_START)
    try:
        return int(line[SEQ_START:end])
    except ValueError:
        return None


def personal_commitment(salt: bytes, personal_bytes: bytes) -> str:
    """Salted hash committing to the personal payload (hex).

    SHA-256(domain || 16-byte random salt || canonical JSON of the personal payload). The salt
    is erased together with the payload, so after erasure the hash reveals nothing that could
    be confirmed by guessing (names and birth dates have little entropy).
    """
    return hashlib.sha256(PERSONAL_DOMAIN + salt + personal_bytes).hexdigest()

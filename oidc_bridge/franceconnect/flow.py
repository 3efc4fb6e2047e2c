"""`state` and `nonce` bound to the aidant's session, single use (OIDC Core 3.1.2.1, 15.5.2).

One login may be pending per session; starting another replaces it. The callback consumes the
pending login whatever its outcome, so a replayed or forged callback finds nothing to complete.
Used states are remembered (hashed) briefly to tell the aidant "already used" rather than
"unknown".
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from oidc_bridge.franceconnect.errors import FranceConnectError, Reason

PENDING_KEY = "oidc_bridge.fc.pending"
USED_KEY = "oidc_bridge.fc.used_states"
LOGOUT_KEY = "oidc_bridge.fc.logout_state"
# FranceConnect requires a nonce of at least 22 characters; 32 random bytes give 43 characters.
RANDOM_BYTES = 32
PENDING_LIFETIME = 15 * 60  # seconds for the usager to log in at FranceConnect
USED_REMEMBERED = 5


@dataclass(frozen=True)
class Pending:
    state: str
    nonce: str
    started_at: float


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def begin(session) -> Pending:
    pending = Pending(secrets.token_urlsafe(RANDOM_BYTES), secrets.token_urlsafe(RANDOM_BYTES),
                      time.time())
    session[PENDING_KEY] = {"state": pending.state, "nonce": pending.nonce,
                            "started_at": pending.started_at}
    return pending


def consume(session, state: str | None) -> Pending:
    """Return the pending login matching `state` and forget it, or raise the reason why not."""
    data = session.pop(PENDING_KEY, None)
    if not state:
        raise FranceConnectError(Reason.STATE_MISSING)
    if data is None or not hmac.compare_digest(data["state"].encode(), state.encode()):
        if data is not None:
            session[PENDING_KEY] = data  # a forged callback must not cancel a real login
        reused = _digest(state) in session.get(USED_KEY, [])
        raise FranceConnectError(Reason.STATE_REUSED if reused else Reason.STATE_MISMATCH)
    session[USED_KEY] = ([_digest(state)] + session.get(USED_KEY, []))[:USED_REMEMBERED]
    pending = Pending(**data)
    if time.time() - pending.started_at > PENDING_LIFETIME:
        raise FranceConnectError(Reason.STATE_EXPIRED)
    return pending


def begin_logout(session) -> str:
    state = secrets.token_urlsafe(RANDOM_BYTES)
    session[LOGOUT_KEY] = state
    return state


def consume_logout(session, state: str | None) -> bool:
    expected = session.pop(LOGOUT_KEY, None)
    return bool(expected and state and hmac.compare_digest(expected.encode(), state.encode()))

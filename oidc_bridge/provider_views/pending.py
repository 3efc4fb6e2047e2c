"""Authorization requests waiting for the aidant's choices, kept in the aidant's session.

The validated request parameters are stored under a random transaction id, so several tabs do not
mix and a request expires (10 minutes) if the aidant walks away. The FranceConnect transaction
itself gives up earlier; this only bounds what the session keeps.
"""

import secrets
import time

SESSION_KEY = "oidc_bridge.pending"
LIFETIME_SECONDS = 600
MAX_PENDING = 5


def store(session, params: dict) -> str:
    pending = _fresh(session)
    txn = secrets.token_urlsafe(16)
    pending[txn] = {"params": params, "created": time.time(), "usager_id": None}
    # Keep the newest few: an aidant does not juggle more than a handful of tabs.
    for stale in sorted(pending, key=lambda t: pending[t]["created"])[:-MAX_PENDING]:
        del pending[stale]
    session[SESSION_KEY] = pending
    return txn


def load(session, txn: str) -> dict | None:
    return _fresh(session).get(txn)


def update(session, txn: str, **changes) -> None:
    pending = _fresh(session)
    if txn in pending:
        pending[txn].update(changes)
        session[SESSION_KEY] = pending


def drop(session, txn: str) -> None:
    pending = _fresh(session)
    if pending.pop(txn, None) is not None:
        session[SESSION_KEY] = pending


def _fresh(session) -> dict:
    now = time.time()
    return {txn: item for txn, item in session.get(SESSION_KEY, {}).items()
            if now - item["created"] < LIFETIME_SECONDS}

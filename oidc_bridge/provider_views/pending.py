"""Authorization requests waiting for the aidant's choice, carried in their own URL.

The validated request parameters travel as a signed, timestamped token (`txn`, django.core.signing:
HMAC-SHA256 under SECRET_KEY) in the URL of the choice pages, rather than in the session: showing
the usager page and issuing the code then rewrite no session row (an UPDATE and a commit each).
- Bound to the aidant's session: the salt holds the session key, so a token copied into another
  session (or kept across a new login, which changes the key) is refused.
- Expires after 10 minutes (the FranceConnect transaction itself gives up earlier).
- Single use: `rid`, drawn when the request is parked, becomes the delegated session's `sid`,
  unique in the database, so a second code can never be issued from the same token.
Signing is not encryption: the token shows what the authorize URL already showed (client,
redirect URI, state, nonce, claims), never anything secret.
"""

import secrets

from django.core import signing

SALT = "oidc_bridge.pending"
LIFETIME_SECONDS = 600


def _salt(session) -> str:
    return f"{SALT}:{session.session_key}"


def seal(session, params: dict, *, rid: str | None = None, usager_id: int | None = None) -> str:
    """The token of a parked request (`usager_id` once the aidant chose the usager)."""
    data = {"p": params, "r": rid or secrets.token_urlsafe(24), "u": usager_id}
    return signing.dumps(data, salt=_salt(session), compress=True)


def load(session, txn: str) -> dict | None:
    """{"params", "rid", "usager_id"} of a valid token of this session, else None."""
    if not session.session_key:
        return None
    try:
        data = signing.loads(txn, salt=_salt(session), max_age=LIFETIME_SECONDS)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), dict):
        return None
    return {"params": data["p"], "rid": data.get("r"), "usager_id": data.get("u")}

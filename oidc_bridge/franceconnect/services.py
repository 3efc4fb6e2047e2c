"""Journal entries of the FranceConnect login (one per step, each in its own transaction).

Nothing here ever receives a token, code, state or nonce: the journal must not hold them.
The identity itself stays in the session until the mandate recap is confirmed (see
`mandates.identity`): a failed login leaves no usager row.
"""

from django.db import transaction

import audit
from audit.events import EventType
from mandates.identity import VerifiedIdentity
from oidc_bridge.franceconnect.errors import Reason


@transaction.atomic
def fc_login_start(*, actor, issuer: str, acr: str) -> None:
    audit.record(EventType.FC_LOGIN_STARTED, actor=actor,
                 payload={"issuer": issuer, "acr_values": acr})


@transaction.atomic
def fc_login_fail(*, actor, issuer: str, reason: Reason) -> None:
    audit.record(EventType.FC_LOGIN_FAILED, actor=actor,
                 payload={"issuer": issuer, "reason": str(reason)})


@transaction.atomic
def fc_login_succeed(*, actor, identity: VerifiedIdentity) -> None:
    # The pairwise sub is the only identity bit needed to tie this entry to the usager row the
    # recap will create; it is personal data, so it goes to `personal` (erasable).
    audit.record(EventType.FC_LOGIN_SUCCEEDED, actor=actor,
                 payload={"issuer": identity.issuer, "acr": identity.acr},
                 personal={"fc_sub": identity.sub})

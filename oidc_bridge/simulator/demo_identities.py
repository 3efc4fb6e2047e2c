"""The simulator's citizens as the FranceConnect client would receive them (for demo seeding).

`seed_demo` gives these to `mandates.demo.seed` so the demo usagers carry the same pairwise
`sub` the simulator returns to our client: identifying Angela Dubois again in the wizard then
finds her existing usager record instead of creating a twin.
"""

from django.conf import settings

from mandates.identity import VerifiedIdentity
from oidc_bridge.simulator.citizens import CITIZENS
from oidc_bridge.simulator.oidc import pairwise_sub


def demo_identities() -> dict[str, VerifiedIdentity]:
    return {
        citizen.key: VerifiedIdentity(
            issuer=settings.FRANCECONNECT_ISSUER,
            sub=pairwise_sub(citizen.key, settings.FRANCECONNECT_CLIENT_ID),
            acr=settings.FRANCECONNECT_ACR,
            **citizen.claims(),
        )
        for citizen in CITIZENS
    }

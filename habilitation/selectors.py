"""Reads other apps may use. `mandates` and `oidc_bridge` ask only `is_habilitated`."""


def is_habilitated(*, aidant, organisation=None) -> bool:
    """May `aidant` create and use mandates (in `organisation`, default: current structure)?

    Provisional rule until the habilitation workflow lands: an active aidant with an active
    membership in the structure.
    """
    organisation_id = organisation.pk if organisation is not None else aidant.current_structure_id
    return aidant.is_active and aidant.memberships.active().filter(
        organisation_id=organisation_id).exists()

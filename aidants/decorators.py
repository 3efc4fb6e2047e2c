"""Access rules for aidant pages.

- `two_factor_required`: logged in with both factors and active (staff and auditors without a
  structure included). Anything else goes back to the login page.
- `aidant_required`: the same, plus a current structure they actively belong to (else the
  structure choice).
- `fresh_otp_required`: for sensitive actions (create/revoke a mandate, act for a usager);
  after 15 minutes without activity the aidant types a new TOTP code first
  (`aidants:reauthenticate`), then comes back here. Implies `aidant_required`.
- `fresh_two_factor_required`: the same freshness for account pages that need no structure
  (enrolling a second factor, backup codes).
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse

from aidants import auth_session
from aidants.models import Aidant, Membership, Organisation
from aidants.prepared import Prepared


def _current_structure(*, aidant_id, organisation_id):
    """The structure `organisation_id` if the aidant actively belongs to it (and it is active)."""
    return Organisation.objects.filter(pk=organisation_id).filter(Exists(
        Membership.objects.active().filter(aidant_id=aidant_id, organisation_id=OuterRef("pk"))))


# Checked on every aidant page: compiled once (aidants.prepared).
_CURRENT_STRUCTURE = Prepared(_current_structure, aidant_id="int", organisation_id="int")


def _has_current_membership(user) -> bool:
    """Does the aidant actively belong to their current structure? The structure read for
    that is kept as `user.current_structure`: the page's header shows it without a query."""
    if user.current_structure_id is None:
        return False
    structure = _CURRENT_STRUCTURE.one(aidant_id=user.pk, organisation_id=user.current_structure_id)
    if structure is not None:
        Aidant.current_structure.field.set_cached_value(user, structure)
    return structure is not None


def _is_verified(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_verified()


def two_factor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _is_verified(request.user):
            return redirect_to_login(request.get_full_path(), reverse("aidants:login"))
        return view(request, *args, **kwargs)

    return wrapper


def aidant_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _has_current_membership(request.user):
            return redirect("aidants:switch_structure")
        return view(request, *args, **kwargs)

    return two_factor_required(wrapper)


def _fresh(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not auth_session.is_fresh(request.session):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('aidants:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def fresh_otp_required(view):
    return aidant_required(_fresh(view))


def fresh_two_factor_required(view):
    return two_factor_required(_fresh(view))

"""Access rules for aidant pages.

- `aidant_required`: logged in with both factors, active, with a current structure they
  actively belong to. Anything else goes back to the login page (or the structure choice).
- `fresh_otp_required`: for sensitive actions; after 15 minutes without activity the aidant
  types a new TOTP code first (`aidants:reauthenticate`), then comes back here.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from aidants import auth_session


def _has_current_membership(user) -> bool:
    return user.current_structure_id is not None and user.memberships.active().filter(
        organisation_id=user.current_structure_id).exists()


def aidant_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_verified() and user.is_active):
            return redirect_to_login(request.get_full_path(), reverse("aidants:login"))
        if not _has_current_membership(user):
            return redirect("aidants:switch_structure")
        return view(request, *args, **kwargs)

    return wrapper


def fresh_otp_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not auth_session.is_fresh(request.session):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('aidants:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return aidant_required(wrapper)

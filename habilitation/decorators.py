"""Access rules of the habilitation pages.

- `staff_required`: national staff, logged in with both factors.
- `manager_required`: staff, or a référent of their current structure (both factors).
- `signed_in_required`: logged in and active; someone who already has a confirmed second
  factor must have used it. Newly invited aidants read and accept the charter before their
  second factor exists (the habilitation order: training, charter, then second factor).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp import user_has_device

from aidants.decorators import aidant_required


def _to_login(request):
    return redirect_to_login(request.get_full_path(), reverse("aidants:login"))


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_verified() and user.is_active):
            return _to_login(request)
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_verified() and user.is_active):
            return _to_login(request)
        if user.is_staff:
            return view(request, *args, **kwargs)
        return aidant_required(_referent_only(view))(request, *args, **kwargs)

    return wrapper


def _referent_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_referent_of(request.user.current_structure):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def signed_in_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return _to_login(request)
        if user_has_device(user, confirmed=True) and not user.is_verified():
            return _to_login(request)
        return view(request, *args, **kwargs)

    return wrapper

"""Auditor pages: logged in with both factors, active, and `is_auditor` (read-only role)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


def auditor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_verified() and user.is_active):
            return redirect_to_login(request.get_full_path(), reverse("aidants:login"))
        if not user.is_auditor:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

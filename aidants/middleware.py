from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django_otp.middleware import OTPMiddleware

from aidants import auth_session
from aidants.models import BackupCodeDevice, TOTPDevice
from aidants.prepared import Prepared, as_pk


def _device(model):
    def build(*, pk):
        return model.objects.filter(pk=pk)

    return Prepared(build, pk="int")


class DeviceOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the per-request load of our devices compiled once.

    `request.user.otp_device` is loaded on every request of a logged-in aidant; the ORM spent
    longer compiling that query than PostgreSQL took to answer it. Everything else (the
    device-user binding, `confirmed`, clearing a stale device from the session) stays
    django-otp's own (`_finalize_device`); any other persistent id goes through django-otp.
    """

    _compiled = {model.model_label(): _device(model) for model in (TOTPDevice, BackupCodeDevice)}

    def _device_from_persistent_id(self, persistent_id: str):
        label, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        prepared = self._compiled.get(label)
        if prepared is None:
            return super()._device_from_persistent_id(persistent_id)
        pk = as_pk(device_id)
        return prepared.one(pk=pk) if pk is not None else None


class SessionLifetimeMiddleware:
    """Ends sessions older than 8 hours; tracks inactivity for the 15-minute re-authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if auth_session.is_expired(request.session):
                logout(request)
                messages.info(request, "Votre session a expiré. Merci de vous reconnecter.")
                return redirect("aidants:login")
            auth_session.touch(request.session)
        return self.get_response(request)

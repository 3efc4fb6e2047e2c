from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

from aidants import auth_session


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

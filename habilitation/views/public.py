"""Pages without login: structure sign-up and the invitation link to set a first password."""

from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from aidants.models import Aidant
from habilitation import services
from habilitation.errors import HabilitationError
from habilitation.forms import StructureSignupForm
from habilitation.tokens import invitation_token
from habilitation.views import posted


def structure_signup_view(request):
    form = StructureSignupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.structure_request_create(**form.cleaned_data)
        except HabilitationError as exc:
            form.add_error("siret", exc.message)
        else:
            return redirect("habilitation:structure_signup_done")
    return render(request, "habilitation/structure_signup.html", {"form": form})


def structure_signup_done_view(request):
    return render(request, "habilitation/structure_signup_done.html")


def _invited_aidant(uidb64: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    aidant = Aidant.objects.filter(pk=pk, is_active=True).first()
    if aidant is None or not invitation_token.check_token(aidant, token):
        return None
    return aidant


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def set_password_view(request, uidb64: str, token: str):
    """The link in the invitation e-mail: single use, expiring (see habilitation.tokens)."""
    aidant = _invited_aidant(uidb64, token)
    if aidant is None:
        return render(request, "habilitation/set_password.html", {"invalid": True}, status=400)
    form = SetPasswordForm(aidant, posted(request))
    if request.method == "POST" and form.is_valid():
        services.invitation_accept(aidant=aidant, password=form.cleaned_data["new_password1"])
        return render(request, "habilitation/set_password.html", {"done": True})
    return render(request, "habilitation/set_password.html", {"form": form, "aidant": aidant})

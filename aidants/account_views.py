"""« Mon compte / sécurité »: the aidant's second factors and backup codes.

Adding a factor or replacing backup codes gives lasting access to the account, so both ask for
a fresh code after 15 minutes of inactivity (`fresh_two_factor_required`).
"""

from base64 import b32encode

import segno
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from aidants import services
from aidants.decorators import fresh_two_factor_required, two_factor_required
from aidants.forms import EnrolmentCodeForm
from aidants.models import BackupCode, TOTPDevice


@never_cache
@two_factor_required
def security_view(request):
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("created_at")
    backup_left = BackupCode.objects.filter(device__user=request.user).count()
    return render(request, "aidants/account/security.html",
                  {"devices": devices, "backup_left": backup_left})


def _pending_app_device(aidant) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=aidant, kind=TOTPDevice.Kind.APP,
                                     confirmed=False).order_by("-pk").first()


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@never_cache
@fresh_two_factor_required
def enrol_app_view(request):
    """Enrol a phone app: start (POST `start`) → scan the QR code → confirm with a code."""
    if request.method == "POST" and "start" in request.POST:
        services.totp_app_enrolment_start(aidant=request.user)
        return redirect("aidants:enrol_app")
    device = _pending_app_device(request.user)
    form = EnrolmentCodeForm(request.POST or None) if device else None
    if device and request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(device=device, token=form.cleaned_data["code"],
                                        actor=request.user):
            messages.success(request, "Votre application est enregistrée. Vous pourrez "
                                      "l'utiliser à votre prochaine connexion.")
            return redirect("aidants:account_security")
        form.add_error("code", "Ce code ne correspond pas. Vérifiez l'heure de votre téléphone "
                               "et saisissez le code affiché maintenant.")
    context = {"device": device, "form": form}
    if device:
        qr = segno.make(device.config_url(), error="m")
        context.update(qr_svg=qr.svg_inline(
            scale=5, border=2, title="QR code à scanner avec votre application"),
                       secret=_grouped_secret(device))
    return render(request, "aidants/account/enrol_app.html", context)


@never_cache
@fresh_two_factor_required
def backup_codes_view(request):
    """Generate new backup codes (POST) and show them once; the old ones stop working."""
    codes = None
    if request.method == "POST":
        codes = services.backup_codes_generate(aidant=request.user, actor=request.user)
    return render(request, "aidants/account/backup_codes.html", {"codes": codes})

"""The aidant reads the charter in force and accepts it."""

from django.contrib import messages
from django.shortcuts import redirect, render

from habilitation import selectors, services
from habilitation.decorators import signed_in_required
from habilitation.errors import HabilitationError
from habilitation.forms import CharterAcceptForm
from habilitation.views import posted


@signed_in_required
def charter_view(request):
    charter = selectors.current_charter()
    accepted = selectors.has_accepted_current_charter(aidant=request.user)
    form = CharterAcceptForm(posted(request))
    if request.method == "POST" and charter is not None and not accepted and form.is_valid():
        try:
            services.charter_accept(aidant=request.user, charter=charter)
        except HabilitationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Merci : vous avez accepté la charte déontologique.")
            return redirect("habilitation:charter")
    return render(request, "habilitation/charter.html", {
        "charter": charter, "accepted": accepted, "form": form})

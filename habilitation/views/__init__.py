"""Habilitation pages: thin views calling `habilitation.services` and `habilitation.selectors`."""


def posted(request):
    """The POST data on a POST (even empty, so the form is bound and shows errors), else None."""
    return request.POST if request.method == "POST" else None

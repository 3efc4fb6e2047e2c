"""Aidant pages. Placeholder bodies: the foundation work fills the login flow."""

from django.http import HttpResponse
from django.shortcuts import render

from aidants.decorators import aidant_required


def login_view(request):
    return HttpResponse("connexion", status=501)


def otp_view(request):
    return HttpResponse("code", status=501)


def reauthenticate_view(request):
    return HttpResponse("code", status=501)


def logout_view(request):
    return HttpResponse("déconnexion", status=501)


def switch_structure_view(request):
    return HttpResponse("structure", status=501)


@aidant_required
def home_view(request):
    return render(request, "aidants/home.html")

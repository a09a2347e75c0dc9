"""Staff pages of the benefits work (being built)."""

from django.http import Http404


def application_detail(request, pk: int):
    raise Http404


def grant_detail(request, pk: int):
    raise Http404

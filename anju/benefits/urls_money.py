from django.http import Http404
from django.urls import path


def _todo(request, pk: int):  # replaced by the grant pages
    raise Http404


urlpatterns = [
    path("grants/<int:pk>/", _todo, name="grant"),
]

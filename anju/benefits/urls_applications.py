from django.http import Http404
from django.urls import path


def _todo(request, pk: int):  # replaced by the application pages
    raise Http404


urlpatterns = [
    path("applications/<int:pk>/", _todo, name="application"),
]

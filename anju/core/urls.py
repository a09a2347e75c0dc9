from django.urls import path

from anju.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page whatever the page links; answer with the icon.
    path("favicon.ico", views.favicon, name="favicon"),
]

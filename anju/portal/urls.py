from django.urls import path

from anju.portal import views

# Mounted at /check/.
app_name = "portal"
urlpatterns = [
    path("", views.check, name="check"),
]

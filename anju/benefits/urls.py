from django.urls import path

from anju.benefits import views

app_name = "benefits"

urlpatterns = [
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
]

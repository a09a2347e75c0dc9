from django.urls import path

from anju.benefits import views_figures as views

urlpatterns = [
    path("figures/", views.figures, name="figures"),
]

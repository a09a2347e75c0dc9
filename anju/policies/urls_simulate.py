from django.urls import path

from anju.policies import views_simulate

urlpatterns = [
    path("", views_simulate.simulate, name="simulate"),
]

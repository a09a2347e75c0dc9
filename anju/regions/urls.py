from django.urls import path

from anju.regions import views

app_name = "regions"
urlpatterns = [path("children/", views.region_children, name="children")]

from django.urls import path

from anju.policies import views_public

app_name = "screening"
urlpatterns = [
    path("", views_public.check, name="check"),
]

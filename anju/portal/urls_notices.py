from django.urls import path

from anju.portal import views_notices as views

# Mounted at /notices/.
app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("grants/<int:pk>/objection/", views.objection, name="objection"),
]

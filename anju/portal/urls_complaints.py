"""The public complaint pages: a worker complains and follows their tickets (/complaints/)."""

from __future__ import annotations

from django.urls import path

from anju.portal import views_complaints as views

app_name = "complaints"
urlpatterns = [
    path("", views.start, name="start"),
    path("code/", views.code, name="code"),
    path("done/<int:pk>/", views.done, name="done"),
    path("mine/", views.mine, name="mine"),
    path("mine/code/", views.mine_code, name="mine_code"),
    path("mine/leave/", views.mine_leave, name="mine_leave"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("mine/<int:pk>/rate/", views.mine_rate, name="mine_rate"),
]

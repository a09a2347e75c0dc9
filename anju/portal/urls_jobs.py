from django.urls import path

from anju.portal import views_jobs as views

# Mounted at /jobs/.
app_name = "jobs"
urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("mine/code/", views.mine_code, name="mine_code"),
    path("mine/leave/", views.mine_leave, name="mine_leave"),
    path("interest/<int:pk>/", views.done, name="done"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/interest/", views.interest, name="interest"),
    path("<int:pk>/interest/code/", views.code, name="code"),
]

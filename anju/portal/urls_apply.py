from django.urls import path

from anju.portal import views_apply as views

# Mounted at /apply/.
app_name = "apply"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("mine/code/", views.mine_code, name="mine_code"),
    path("mine/leave/", views.mine_leave, name="mine_leave"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("mine/<int:pk>/supply/", views.mine_supply, name="mine_supply"),
    path("mine/<int:pk>/account/", views.mine_confirm_account, name="mine_account"),
    path("mine/<int:pk>/withdraw/", views.mine_withdraw, name="mine_withdraw"),
    path("done/<int:pk>/", views.done, name="done"),
    path("<slug:policy_id>/", views.start, name="start"),
    path("<slug:policy_id>/code/", views.code, name="code"),
    path("<slug:policy_id>/form/", views.form, name="form"),
]

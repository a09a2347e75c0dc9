"""Grants, funds and quotas, notices (staff side), payment batches and recoveries.

The work queue links objection reviews to "grant" (benefits.registrations); the figures page
links to "grant_list" with its filters."""

from django.urls import path

from anju.benefits import views_money as views

urlpatterns = [
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
    path("grants/<int:pk>/cancel/", views.grant_cancel, name="grant_cancel"),
    path("grants/<int:pk>/provide/", views.grant_provide, name="grant_provide"),
    path("grants/<int:pk>/objections/<int:objection_pk>/review/", views.objection_review, name="objection_review"),
    path("grants/<int:pk>/recoveries/", views.recovery_create, name="recovery_create"),
    path("grants/<int:pk>/recoveries/<int:recovery_pk>/return/", views.recovery_return, name="recovery_return"),
    path("recoveries/", views.recovery_list, name="recovery_list"),
    path("funds/", views.fund_list, name="fund_list"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("funds/<int:pk>/budget/", views.fund_budget, name="fund_budget"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/export/", views.batch_export, name="batch_export"),
    path("batches/<int:pk>/result/", views.batch_result, name="batch_result"),
]

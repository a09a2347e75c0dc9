from django.urls import path

from anju.benefits import views_applications as views

urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    # "application" is what the task queue links to (registrations.py).
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application_decide"),
    path("applications/<int:pk>/supply/", views.application_supply, name="application_supply"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/recheck/", views.application_recheck, name="application_recheck"),
    path("applications/<int:pk>/account/", views.application_account, name="application_account"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download,
         name="attachment_download"),
]

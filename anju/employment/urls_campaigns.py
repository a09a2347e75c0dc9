from django.urls import path

from anju.employment import views_campaigns as views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/employers/", views.campaign_employers, name="campaign_employers"),
    path("campaigns/<int:pk>/postings/", views.campaign_postings, name="campaign_postings"),
    path("campaigns/<int:pk>/fairs/", views.campaign_fair, name="campaign_fair"),
]

from django.urls import path

from anju.employment import views_placements as views

urlpatterns = [
    path("placements/", views.placement_list, name="placements"),
    path("placements/<int:pk>/", views.placement_detail, name="placement"),
    path("placements/<int:pk>/attendance/", views.attendance_add, name="placement_attendance"),
    path("placements/<int:pk>/end/", views.placement_end, name="placement_end"),
    path("postings/<int:pk>/place/", views.placement_new, name="placement_new"),
    path("postings/<int:pk>/candidates/", views.post_candidates, name="post_candidates"),
]

from django.urls import include, path

from anju.employment import views_postings, views_referrals

app_name = "employment"

urlpatterns = [
    path("", views_postings.posting_list, name="postings"),
    path("postings/new/", views_postings.posting_new, name="posting_new"),
    path("postings/<int:pk>/", views_postings.posting_detail, name="posting"),
    path("postings/<int:pk>/edit/", views_postings.posting_edit, name="posting_edit"),
    path("postings/<int:pk>/move/", views_postings.posting_move, name="posting_move"),
    path("postings/<int:pk>/matches/", views_postings.posting_matches, name="posting_matches"),
    path("workers/<int:pk>/matches/", views_postings.worker_matches, name="worker_matches"),
    path("workers/<int:pk>/seeker/", views_postings.seeker_edit, name="seeker_edit"),
    path("workers/<int:pk>/panel/", views_referrals.worker_panel, name="worker_panel"),
    path("refer/", views_postings.refer, name="refer"),
    # "referral" and "interest" are what the task queue links to (registrations.py).
    path("referrals/", views_referrals.referral_list, name="referrals"),
    path("referrals/<int:pk>/", views_referrals.referral_detail, name="referral"),
    path("interests/", views_referrals.interest_list, name="interests"),
    path("interests/<int:pk>/", views_referrals.interest_detail, name="interest"),
]

# The other areas of the employment pages keep their own routes.
urlpatterns += [
    path("", include("anju.employment.urls_campaigns")),
    path("", include("anju.employment.urls_trips")),
    path("", include("anju.employment.urls_placements")),
    path("", include("anju.employment.urls_imports")),
]

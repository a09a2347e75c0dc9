from django.urls import path

from anju.employment import views_trips as views

urlpatterns = [
    path("trips/", views.trip_list, name="trips"),
    path("trips/new/", views.trip_new, name="trip_new"),
    path("trips/<int:pk>/", views.trip_detail, name="trip"),
    path("trips/<int:pk>/passengers/", views.passenger_add, name="trip_passenger_add"),
    path("trips/<int:pk>/sign-up/", views.passenger_sign_up, name="trip_sign_up"),
    path("trips/<int:pk>/passengers/<int:passenger_pk>/check/", views.passenger_check, name="trip_passenger_check"),
    path("trips/<int:pk>/passengers/<int:passenger_pk>/board/", views.passenger_board, name="trip_passenger_board"),
    path("trips/<int:pk>/passengers/<int:passenger_pk>/remove/", views.passenger_remove, name="trip_passenger_remove"),
    path("trips/<int:pk>/<slug:move>/", views.trip_move, name="trip_move"),
]

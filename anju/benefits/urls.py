from django.urls import include, path

app_name = "benefits"

# Each area of the benefits pages keeps its own routes.
urlpatterns = [
    path("", include("anju.benefits.urls_applications")),
    path("", include("anju.benefits.urls_money")),
    path("", include("anju.benefits.urls_sources")),
    path("", include("anju.benefits.urls_figures")),
    path("", include("anju.benefits.urls_bulk")),
]

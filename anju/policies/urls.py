from django.urls import include, path

app_name = "policies"
urlpatterns = [
    path("documents/", include("anju.policies.urls_documents")),
    path("", include("anju.policies.urls_screens")),
    path("simulate/", include("anju.policies.urls_simulate")),
]

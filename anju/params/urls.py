from django.urls import path

from anju.params import views

# Mounted at /policies/parameters/ (where the pages were when parameters lived in the policy engine).
app_name = "params"
urlpatterns = [
    path("<slug:name>/", views.parameter_detail, name="parameter_detail"),
]

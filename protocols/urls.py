from django.urls import path

from protocols import views

app_name = "protocols"

urlpatterns = [
    path("protocols/rules/", views.rule_catalogue, name="rules"),
    path("protocols/parameters/", views.protocol_parameters, name="parameters"),
    path("api/protocols/evaluate", views.api_evaluate, name="api_evaluate"),
]

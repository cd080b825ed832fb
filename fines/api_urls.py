from django.urls import path

from fines import api

urlpatterns = [
    path("payments/outstanding/", api.OutstandingApi.as_view(), name="api-payments-outstanding"),
]

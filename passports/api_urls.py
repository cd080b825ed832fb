from django.urls import path

from passports import api

urlpatterns = [
    path("passports/dependents/", api.DependentListApi.as_view(), name="passports-dependents"),
    path("passports/dependents/<int:dependent_id>/iqama-renewal/quote/", api.QuoteApi.as_view(), name="passports-quote"),
    path("passports/iqama-renewals/", api.RenewalListCreateApi.as_view(), name="passports-renewals"),
    path("passports/iqama-renewals/<int:pk>/", api.RenewalDetailApi.as_view(), name="passports-renewal-detail"),
    path("passports/iqama-renewals/<int:pk>/cancel/", api.RenewalCancelApi.as_view(), name="passports-renewal-cancel"),
]

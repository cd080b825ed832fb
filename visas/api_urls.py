from django.urls import path

from visas import api

urlpatterns = [
    path("passports/visas/", api.VisaListCreateApi.as_view(), name="visas-list"),
    path("passports/visas/quote/", api.VisaQuoteApi.as_view(), name="visas-quote"),
    path("passports/visas/applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="visas-application"),
    path("passports/visas/<int:pk>/", api.VisaDetailApi.as_view(), name="visas-detail"),
    path("passports/visas/<int:pk>/cancel/", api.VisaCancelApi.as_view(), name="visas-cancel"),
    path("passports/visas/<int:pk>/extend/", api.VisaExtendApi.as_view(), name="visas-extend"),
]

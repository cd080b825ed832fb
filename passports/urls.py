from django.urls import path

from passports import views

app_name = "passports"
urlpatterns = [
    path("", views.family, name="family"),
    path("iqama-renewal/checks/", views.checks, name="checks"),
    path("iqama-renewal/quote/", views.quote, name="quote"),
    path("iqama-renewals/<int:pk>/", views.detail, name="detail"),
    path("iqama-renewals/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("national-address/", views.address_help, name="address_help"),
    path("sandbox/medical-centre/", views.medical_centre, name="medical_centre"),
]

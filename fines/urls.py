from django.urls import path

from fines import views

app_name = "fines"
urlpatterns = [
    path("", views.outstanding, name="outstanding"),
]

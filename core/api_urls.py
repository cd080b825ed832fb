from django.urls import path

from core.api_views import MeApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
]

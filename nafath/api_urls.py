from django.urls import path

from nafath import api

urlpatterns = [
    path("auth/nafath/", api.NafathStartApi.as_view(), name="api-nafath-start"),
    path("auth/nafath/<uuid:transaction_id>/", api.NafathStatusApi.as_view(), name="api-nafath-status"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
    path("nafath-app/requests/", api.AppRequestListApi.as_view(), name="api-nafath-app-requests"),
    path("nafath-app/requests/<uuid:transaction_id>/", api.AppRequestAnswerApi.as_view(), name="api-nafath-app-answer"),
]

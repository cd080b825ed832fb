from django.urls import path

from nafath import api

urlpatterns = [
    path("auth/nafath/", api.NafathStartApi.as_view(), name="api-nafath-start"),
    path("auth/nafath/<uuid:transaction_id>/", api.NafathStatusApi.as_view(), name="api-nafath-status"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
    path("nafath-app/requests/", api.AppRequestListApi.as_view(), name="api-nafath-app-requests"),
    path("nafath-app/requests/<uuid:transaction_id>/", api.AppRequestAnswerApi.as_view(), name="api-nafath-app-answer"),
    path("nafath-app/activations/", api.ActivationStartApi.as_view(), name="api-nafath-activation-start"),
    path("nafath-app/activations/<uuid:activation_id>/code/", api.ActivationCodeApi.as_view(), name="api-nafath-activation-code"),
    path(
        "nafath-app/activations/<uuid:activation_id>/complete/", api.ActivationCompleteApi.as_view(), name="api-nafath-activation-complete"
    ),
    path("nafath/devices/", api.DeviceListApi.as_view(), name="api-nafath-devices"),
    path("nafath/devices/<int:device_id>/revoke/", api.DeviceRevokeApi.as_view(), name="api-nafath-device-revoke"),
    path("nafath/activity/", api.ActivityListApi.as_view(), name="api-nafath-activity"),
    path("nafath/activity/<int:entry_id>/not-me/", api.ActivityDisownApi.as_view(), name="api-nafath-activity-not-me"),
]

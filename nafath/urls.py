from django.urls import path

from nafath import app_views, device_views, views

app_name = "nafath"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/status/", views.login_status, name="login_status"),
    path("login/check/", views.login_check, name="login_check"),
    path("login/restart/", views.login_restart, name="login_restart"),
    path("logout/", views.logout, name="logout"),
    path("nafath-app/", app_views.app, name="app"),
    path("nafath-app/requests.json", app_views.app_requests, name="app_requests"),
    path("nafath-app/requests/<uuid:transaction_id>/", app_views.app_answer, name="app_answer"),
    path("nafath-app/signout/", app_views.app_signout, name="app_signout"),
    path("nafath/activate/", device_views.activate, name="activate"),
    path("nafath/activate/code/", device_views.activate_code, name="activate_code"),
    path("nafath/activate/finish/", device_views.activate_finish, name="activate_finish"),
    path("nafath/devices/", device_views.devices, name="devices"),
    path("nafath/devices/<int:device_id>/revoke/", device_views.device_revoke, name="device_revoke"),
    path("nafath/officer/devices/<int:device_id>/selfie/", device_views.device_selfie, name="device_selfie"),
    path("nafath/activity/", device_views.activity, name="activity"),
    path("nafath/activity/<int:entry_id>/not-me/", device_views.activity_not_me, name="activity_not_me"),
]

from django.urls import path

from nafath import views

app_name = "nafath"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/status/", views.login_status, name="login_status"),
    path("login/check/", views.login_check, name="login_check"),
    path("login/restart/", views.login_restart, name="login_restart"),
    path("logout/", views.logout, name="logout"),
    path("nafath-app/", views.app, name="app"),
    path("nafath-app/requests.json", views.app_requests, name="app_requests"),
    path("nafath-app/requests/<uuid:transaction_id>/", views.app_answer, name="app_answer"),
    path("nafath-app/signout/", views.app_signout, name="app_signout"),
    path("nafath/activate/", views.activate, name="activate"),
    path("nafath/activate/code/", views.activate_code, name="activate_code"),
    path("nafath/activate/finish/", views.activate_finish, name="activate_finish"),
    path("nafath/devices/", views.devices, name="devices"),
    path("nafath/devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("nafath/officer/devices/<int:device_id>/selfie/", views.device_selfie, name="device_selfie"),
    path("nafath/activity/", views.activity, name="activity"),
    path("nafath/activity/<int:entry_id>/not-me/", views.activity_not_me, name="activity_not_me"),
]

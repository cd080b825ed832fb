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
]

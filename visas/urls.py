from django.urls import path

from visas import views

app_name = "visas"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("sandbox/border/", views.border, name="border"),
]

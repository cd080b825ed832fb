from django.urls import path

from civil_affairs import views

app_name = "civil_affairs"
urlpatterns = [
    path("id-renewal/", views.start, name="start"),
    path("id-renewal/quick-check/", views.quick_check, name="quick_check"),
    path("id-renewal/<int:pk>/", views.detail, name="detail"),
    path("id-renewal/<int:pk>/delivery/", views.delivery, name="delivery"),
    path("id-renewal/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("id-renewal/<int:pk>/status.json", views.status_json, name="status_json"),
    path("id-renewal/<int:pk>/photo.jpg", views.photo, name="photo"),
    path("id-renewal/<int:pk>/photo-on-file.jpg", views.photo_on_file, name="photo_on_file"),
]

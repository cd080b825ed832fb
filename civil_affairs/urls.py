from django.urls import path  # noqa: F401

app_name = "civil_affairs"
urlpatterns = []

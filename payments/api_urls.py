from django.urls import path

from payments import api

urlpatterns = [
    path("payments/", api.PaymentListApi.as_view(), name="api-payments"),
    path("payments/sadad/notifications/", api.SadadNotificationApi.as_view(), name="api-sadad-notifications"),
    path("payments/<int:pk>/", api.PaymentDetailApi.as_view(), name="api-payment"),
    path("payments/<int:pk>/card/", api.PaymentCardApi.as_view(), name="api-payment-card"),
]

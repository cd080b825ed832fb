from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.payment_list, name="list"),
    path("sandbox-bank/", views.sadad_bank, name="sadad_bank"),
    path("<int:pk>/", views.payment_detail, name="detail"),
    path("<int:pk>/checkout/", views.checkout, name="checkout"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
]

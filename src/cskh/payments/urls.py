from django.urls import path

from cskh.payments import views

app_name = "payments"
urlpatterns = [
    path("payments/", views.pay, name="pay"),
    path("payments/history/", views.history, name="history"),
    path("payments/<int:payment_id>/", views.detail, name="detail"),
    path("payments/<int:payment_id>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("payments/<int:payment_id>/continue/", views.resume, name="resume"),
    path("payments/<int:payment_id>/cancel/", views.cancel, name="cancel"),
    path("payments/vnpay/return", views.vnpay_return, name="vnpay_return"),
    path("pay/", views.guest, name="guest"),
    path("pay/<str:token>/", views.guest_payment, name="guest_payment"),
    path("pay/<str:token>/receipt.pdf", views.guest_receipt_pdf, name="guest_receipt_pdf"),
]

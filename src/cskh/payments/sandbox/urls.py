from django.urls import path

from cskh.payments.sandbox import views

app_name = "vnpay_sandbox"
urlpatterns = [
    path("paymentv2/vpcpay.html", views.pay, name="pay"),
    path("merchant_webapi/api/transaction", views.api, name="api"),
]

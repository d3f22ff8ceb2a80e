from django.urls import path

from cskh.billing import views

app_name = "billing"
urlpatterns = [
    path("tariffs/", views.tariff_sheet, name="tariffs"),
    path("tariffs/calculator/", views.bill_calculator, name="calculator"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]

"""Payments: paying invoices through VNPay and VietQR (MoMo and ZaloPay when configured),
the gateways' callbacks, reconciliation, refunds and receipts."""

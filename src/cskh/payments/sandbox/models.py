"""What the sandbox remembers of the merchants' transactions, as VNPay would, to answer
querydr and refunds and to retry its IPNs."""

from django.db import models


class Transaction(models.Model):
    tmn_code = models.CharField(max_length=8)
    txn_ref = models.CharField(max_length=100)
    amount = models.CharField(max_length=20)  # vnp_Amount as sent: VND × 100
    order_info = models.CharField(max_length=255)
    create_date = models.CharField(max_length=14)
    expire_date = models.CharField(max_length=14)
    return_url = models.URLField(max_length=500)
    ipn_url = models.URLField(max_length=500)
    locale = models.CharField(max_length=2)
    # the outcome the tester chose; empty while the customer is on the payment page
    response_code = models.CharField(max_length=2, blank=True)
    transaction_status = models.CharField(max_length=2, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    refunded = models.BigIntegerField(default=0)  # VND × 100, like vnp_Amount
    ipn_attempts = models.PositiveSmallIntegerField(default=0)
    ipn_answer = models.CharField(max_length=2, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tmn_code", "txn_ref"], name="sandbox_txn_once")
        ]

    def __str__(self) -> str:
        return f"{self.tmn_code} {self.txn_ref}"

    @property
    def transaction_no(self) -> str:
        return str(14_000_000 + self.pk)

    @property
    def done(self) -> bool:
        return bool(self.response_code)


class RefundRequest(models.Model):
    request_id = models.CharField(max_length=32, unique=True)
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE)
    amount = models.BigIntegerField()

    def __str__(self) -> str:
        return self.request_id

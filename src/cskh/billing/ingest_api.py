"""POST /api/v1/ingest/invoices: the corporations' billing system (CMIS) sends its
invoices, with the same per-unit keys as the readings (metering.models.IngestKey): a key
loads only the invoices of its unit's customers (docs/invoices-import.md)."""

from django.utils import timezone
from ninja import Router, Schema, Status

from cskh.billing import cmis
from cskh.metering.ingest_api import KeyAuth

router = Router(tags=["ingest"], auth=KeyAuth())


class InvoiceCounts(Schema):
    total: int
    new: int
    unchanged: int
    rejected: int


class RejectionOut(Schema):
    lines: list[int]
    customer_code: str
    series: str
    number: str
    reason: str
    message: str


class ImportOut(Schema):
    source: str
    received_at: str
    rows: int
    invoices: InvoiceCounts
    announced: int
    rejections: list[RejectionOut]
    rejections_more: bool


@router.post("/invoices", response={200: ImportOut, 201: ImportOut})
def post_invoices(request):
    """Send invoices as the CSV body (`Content-Type: text/csv`, gzip accepted). The answer
    (201 when an invoice was added, 200 when none was) counts the invoices and lists the
    first 1,000 rejected ones with their lines and reasons. A file that cannot be read at
    all answers 422 `bad_file` and nothing is written."""
    key = request.ingest_key
    now = timezone.now()
    result = cmis.import_invoices(
        request,
        source=request.headers.get("X-Source-Name") or key.name,
        unit=key.unit,
        now=now,
    )
    return Status(201 if result.new else 200, _out(result, received_at=now))


def _out(result: cmis.Result, *, received_at) -> dict:
    return {
        "source": result.source,
        "received_at": received_at.isoformat(),
        "rows": result.rows,
        "invoices": {
            "total": result.invoices,
            "new": result.new,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
        },
        "announced": result.announced,
        "rejections": [
            {
                "lines": list(r.lines),
                "customer_code": r.customer_code,
                "series": r.series,
                "number": r.number,
                "reason": r.reason,
                "message": r.message,
            }
            for r in result.rejections
        ],
        "rejections_more": result.rejections_more,
    }

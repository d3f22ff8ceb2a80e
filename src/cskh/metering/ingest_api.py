"""The machine face of meter data: POST /api/v1/ingest/readings for the corporations'
MDMS, with a per-unit key (metering.models.IngestKey): a key loads only the meters of
its unit's subtree and reads only its own batches."""

from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer

from cskh.core.errors import NotFound
from cskh.metering import ingest
from cskh.metering.models import ImportBatch, IngestKey


class KeyAuth(HttpBearer):
    """`Authorization: Bearer mdk_…`; a revoked or unknown key is refused (401)."""

    def authenticate(self, request, token):
        key = (
            IngestKey.objects.select_related("unit")
            .filter(digest=IngestKey.digest_of(token), revoked_at__isnull=True)
            .first()
        )
        if key is None:
            return None
        IngestKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        request.ingest_key = key
        return key


router = Router(tags=["ingest"], auth=KeyAuth())


class Rows(Schema):
    total: int
    new: int
    unchanged: int
    corrected: int
    rejected: int


class RejectionOut(Schema):
    line: int
    reason: str
    message: str
    row: str


class BatchOut(Schema):
    batch: int
    source: str
    received_at: str
    rows: Rows
    rejections: list[RejectionOut]
    rejections_offset: int
    rejections_more: bool


def _out(batch: ImportBatch, rejections: list[ingest.Rejection], offset: int) -> dict:
    return {
        "batch": batch.pk,
        "source": batch.source,
        "received_at": batch.received_at.isoformat(),
        "rows": {
            "total": batch.rows_total,
            "new": batch.rows_new,
            "unchanged": batch.rows_unchanged,
            "corrected": batch.rows_corrected,
            "rejected": batch.rows_rejected,
        },
        "rejections": [
            {"line": r.line, "reason": r.reason, "message": r.message, "row": r.content}
            for r in rejections
        ],
        "rejections_offset": offset,
        "rejections_more": offset + len(rejections) < batch.rows_rejected,
    }


@router.post("/readings", response={200: BatchOut})
def post_readings(request):
    """Send readings as the CSV body (`Content-Type: text/csv`, gzip accepted): the same
    columns as the import file. The answer counts the rows and lists the first rejected
    ones with their reasons; `GET /ingest/batches/{batch}?offset=` pages the rest.
    A file that cannot be read at all answers 422 `bad_file` and nothing is written."""
    key = request.ingest_key
    result = ingest.import_readings(
        request,
        source=request.headers.get("X-Source-Name") or key.name,
        channel=ImportBatch.Channel.API,
        unit=key.unit,
        today=timezone.localdate(),
        now=timezone.now(),
    )
    return _out(result.batch, result.rejections, 0)


@router.get("/batches/{batch_id}", response=BatchOut)
def get_batch(request, batch_id: int, offset: int = 0):
    """A batch this key's unit sent, with its rejected rows from `offset` (1,000 a page)."""
    batch = ImportBatch.objects.filter(pk=batch_id, unit=request.ingest_key.unit).first()
    if batch is None:
        raise NotFound()
    offset = max(offset, 0)
    return _out(batch, ingest.rejections_page(batch, offset), offset)

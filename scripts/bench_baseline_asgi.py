"""The baseline of scripts/bench_consumption.py: a bare ASGI app (no framework, no
ORM) with asyncpg, answering

    GET /consumption/{meter_id}   the meter's last 365 daily rows summed by month in SQL
    GET /ping                     {"ok": true}

as JSON. Run with 2 workers, as the benchmark does:

    cd scripts && DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        ../.venv/bin/granian --interface asgi --workers 2 --port 8101 bench_baseline_asgi:app

The naive query joins the 365 days to the readings (one primary-key lookup per day):
the table is keyed (reading_date, meter_id, register), so a date *range* with a meter
walks every meter's rows of the range (seconds), and `reading_date = ANY(365 days)` makes
every month's partition probe all 365 days (~28,000 buffers; docs/performance.md). `BASELINE_END`
(YYYY-MM-DD, default yesterday) is the last day read."""

import asyncio
import json
import os
from datetime import date, timedelta

import asyncpg

QUERY = """
SELECT date_trunc('month', r.reading_date)::date AS month, sum(r.wh)::bigint AS wh,
       count(DISTINCT r.reading_date)::int AS days
FROM unnest($2::date[]) AS d(day)
JOIN metering_reading r ON r.reading_date = d.day AND r.meter_id = $1
GROUP BY 1 ORDER BY 1
"""
POOL_SIZE = int(os.environ.get("BASELINE_POOL", "8"))


def _days() -> list[date]:
    end = os.environ.get("BASELINE_END")
    last = date.fromisoformat(end) if end else date.today() - timedelta(days=1)
    return [last - timedelta(days=n) for n in range(364, -1, -1)]


class App:
    def __init__(self):
        self.pool: asyncpg.Pool | None = None
        self.days = _days()
        self.lock = asyncio.Lock()

    async def _pool(self) -> asyncpg.Pool:
        if self.pool is None:
            async with self.lock:
                if self.pool is None:
                    self.pool = await asyncpg.create_pool(
                        os.environ["DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE
                    )
        return self.pool

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.pool is not None:
                        await self.pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/ping":
            await self._send(send, 200, b'{"ok":true}')
        elif path.startswith("/consumption/") and path[13:].isdigit():
            pool = await self._pool()
            rows = await pool.fetch(QUERY, int(path[13:]), self.days)
            body = json.dumps(
                {
                    "meter_id": int(path[13:]),
                    "months": [
                        {
                            "month": row["month"].isoformat(),
                            "kwh": row["wh"] / 1000,
                            "days": row["days"],
                        }
                        for row in rows
                    ],
                },
                separators=(",", ":"),
            ).encode()
            await self._send(send, 200, body)
        else:
            await self._send(send, 404, b'{"error":"not found"}')

    @staticmethod
    async def _send(send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


app = App()

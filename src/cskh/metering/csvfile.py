"""The readings file as a checked stream of bytes.

A file (or an API request body) is read once, in large chunks, and never parsed row by
row in Python on PostgreSQL: the chunks go straight to COPY. On the way they are checked
for what would make the whole file unusable — gzip is undone, a UTF-8 BOM dropped, the
header parsed, the bytes checked to be UTF-8 and no line allowed to be absurdly long —
and any of these stops the import before anything is written (`BadFile`)."""

import codecs
import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

from cskh.core.errors import InvalidInput
from cskh.metering import export

COLUMNS = export.CSV_COLUMNS
REQUIRED = COLUMNS[:5]
MAX_LINE_BYTES = 1024
CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
BOM = codecs.BOM_UTF8


class BadFile(InvalidInput):
    """The file cannot be imported at all; nothing was written."""

    code = "bad_file"

    def __init__(self, message, *, line: int | None = None):
        self.line = line
        if line is not None:
            message = _("Line %(line)d: %(problem)s") % {"line": line, "problem": message}
        super().__init__(message, fields={"file": [str(message)]})


class _Prefixed(io.RawIOBase):
    """A stream with some bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size], self.head = self.head[:size], self.head[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _plain(stream: BinaryIO) -> BinaryIO:
    """The stream's bytes, gunzipped if they are gzip (recognised by content)."""
    head = stream.read(2)
    prefixed = io.BufferedReader(_Prefixed(head, stream), CHUNK_BYTES)
    return gzip.GzipFile(fileobj=prefixed, mode="rb") if head == GZIP_MAGIC else prefixed


class ReadingsFile:
    """Open with the stream; `columns` is the header, `chunks()` the data lines' bytes."""

    max_line_bytes = MAX_LINE_BYTES

    def __init__(self, stream: BinaryIO):
        self._raw = _plain(stream)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._line = 1
        self._partial = 0
        try:
            first = self._read()
        except (OSError, EOFError) as exc:  # a truncated or corrupt gzip member
            raise BadFile(_("the file is not a readable gzip file.")) from exc
        first = first.removeprefix(BOM)
        while b"\n" not in first:
            more = self._read()
            if not more:
                break
            first += more
        header, newline, self._rest = first.partition(b"\n")
        if not header.strip() and not self._rest:
            raise BadFile(_("the file is empty."))
        self._check(header + newline)
        self.columns = self._parse_header(header)
        self._line = 2
        self._partial = 0

    def _read(self) -> bytes:
        return self._raw.read(CHUNK_BYTES)

    def _parse_header(self, header: bytes) -> tuple[str, ...]:
        names = next(csv.reader([header.decode().strip("\r")]), [])
        columns = tuple(name.strip().lower() for name in names)
        missing = [name for name in REQUIRED if name not in columns]
        unknown = [name for name in columns if name not in COLUMNS]
        if missing or unknown or len(set(columns)) != len(columns):
            raise BadFile(
                _(
                    "the header must name the columns %(required)s, optionally %(optional)s, "
                    "each once; found: %(found)s."
                )
                % {
                    "required": ",".join(REQUIRED),
                    "optional": ",".join(COLUMNS[len(REQUIRED) :]),
                    "found": ",".join(columns) or "—",
                },
                line=1,
            )
        return columns

    def _check(self, chunk: bytes) -> None:
        """UTF-8 and line length, with the line number of the first problem."""
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise BadFile(
                _("the file is not UTF-8 text."), line=self._line + chunk.count(b"\n", 0, exc.start)
            ) from exc
        lines = chunk.split(b"\n")
        lengths = [self._partial + len(lines[0]), *map(len, lines[1:])]
        if max(lengths) > self.max_line_bytes:
            too_long = next(n for n, length in enumerate(lengths) if length > self.max_line_bytes)
            raise BadFile(
                _("the line is longer than %(limit)d bytes.") % {"limit": self.max_line_bytes},
                line=self._line + too_long,
            )
        self._partial = lengths[-1]
        self._line += len(lines) - 1

    def chunks(self) -> Iterator[bytes]:
        """The data lines, checked chunk by chunk."""
        chunk = self._rest
        try:
            while chunk:
                self._check(chunk)
                yield chunk
                chunk = self._read()
        except (OSError, EOFError) as exc:
            raise BadFile(_("the file is not a readable gzip file.")) from exc
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise BadFile(_("the file is not UTF-8 text."), line=self._line) from exc

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of each data line: the portable path's parser."""
        text = io.TextIOWrapper(
            io.BufferedReader(_Prefixed(b"", ChunkReader(self.chunks()))),
            encoding="utf-8",
            newline="",
        )
        reader = csv.reader(text, strict=True)
        try:
            for fields in reader:
                if len(fields) != len(self.columns):
                    raise BadFile(
                        _("expected %(expected)d columns, found %(found)d.")
                        % {"expected": len(self.columns), "found": len(fields)},
                        line=reader.line_num + 1,
                    )
                yield reader.line_num + 1, fields
        except csv.Error as exc:
            raise BadFile(_("the line is not valid CSV."), line=reader.line_num + 1) from exc


class ChunkReader:
    """`read(n)` over an iterator of byte chunks."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks, self._buffer = iter(chunks), b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

"""What the import commands (readings, invoices) share: the files and the unit whose
subtree a file may touch."""

from pathlib import Path

from django.core.management.base import CommandError

from cskh.customers.models import Unit


def add_files_and_unit(parser, *, what: str) -> None:
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument(
        "--unit",
        help=f"Accept only {what} of this unit's subtree (the code, e.g. PE01). "
        "Default: every unit.",
    )


def files_and_unit(files: list[Path], unit: str | None) -> Unit | None:
    """The unit named by --unit (None: every unit), once every file exists."""
    scope = None
    if unit:
        scope = Unit.objects.filter(code=unit.upper()).first()
        if scope is None:
            raise CommandError(f"No unit with the code {unit}.")
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise CommandError(f"Not a file: {', '.join(missing)}")
    return scope

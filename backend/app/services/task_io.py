"""Export and import formats of a user's tasks: JSON (lossless) and CSV (for spreadsheets).

JSON: `{"version": 1, "exported_at": ..., "tasks": [TaskExportRow, ...]}`.
CSV: a header row with EXPORT_COLUMNS, one task per row; `tags` is a JSON array, empty cells
are null. Cells that a spreadsheet would run as a formula are written with a leading `'`,
which import removes again, so CSV round-trips too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.core.clock import utcnow
from app.core.exceptions import InvalidInput
from app.models.task import Task, TaskExportRow, TaskImportRow

FORMAT_VERSION = 1
MAX_IMPORT_ROWS = 10_000
MAX_REPORTED_ERRORS = 100
EXPORT_COLUMNS = (
    "id",
    "title",
    "description",
    "priority",
    "tags",
    "due_at",
    "recurrence",
    "recurrence_anchor_day",
    "completed",
    "completed_at",
    "created_at",
    "updated_at",
)
# Leading characters that make Excel/LibreOffice evaluate a cell (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def export_row(task: Task) -> TaskExportRow:
    """The exported form of one task."""
    return TaskExportRow.model_validate(task, from_attributes=True)


# ---------------------------------------------------------------- export


async def json_chunks(tasks: AsyncIterator[Task]) -> AsyncIterator[bytes]:
    """Stream the JSON export document, one task per chunk."""
    exported_at = json.dumps(utcnow().isoformat())
    yield f'{{"version": {FORMAT_VERSION}, "exported_at": {exported_at}, "tasks": ['.encode()
    separator = "\n"
    async for task in tasks:
        yield (separator + export_row(task).model_dump_json()).encode()
        separator = ",\n"
    yield b"\n]}\n"


def escape_cell(value: str) -> str:
    """Neutralise a formula-looking cell; a leading quote is doubled so unescaping is exact."""
    if value.startswith((*_FORMULA_PREFIXES, _ESCAPE)):
        return _ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """Undo escape_cell."""
    if value.startswith(_ESCAPE) and value[1:].startswith((*_FORMULA_PREFIXES, _ESCAPE)):
        return value[1:]
    return value


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return escape_cell(value)
    return str(value)


async def csv_chunks(tasks: AsyncIterator[Task]) -> AsyncIterator[bytes]:
    """Stream the CSV export, header first, one task per chunk."""
    yield _csv_line(list(EXPORT_COLUMNS))
    async for task in tasks:
        row = export_row(task).model_dump()
        yield _csv_line([_csv_cell(row[column]) for column in EXPORT_COLUMNS])


# ---------------------------------------------------------------- import


def _error(loc: list[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind}


def _validate_rows(
    raw_rows: list[tuple[list[str | int], Any]],
    errors: list[dict[str, Any]] | None = None,
) -> list[TaskImportRow]:
    """Validate every row; collect all problems so one answer lists them (capped)."""
    errors = list(errors or [])
    if len(raw_rows) + len(errors) > MAX_IMPORT_ROWS:
        raise InvalidInput(
            [_error(["body"], f"at most {MAX_IMPORT_ROWS} tasks per import", "too_long")]
        )
    rows: list[TaskImportRow] = []
    for loc, raw in raw_rows:
        try:
            rows.append(TaskImportRow.model_validate(raw))
        except ValidationError as exc:
            for problem in exc.errors(include_url=False, include_input=False):
                errors.append(_error([*loc, *problem["loc"]], problem["msg"], problem["type"]))
    if errors:
        raise InvalidInput(errors[:MAX_REPORTED_ERRORS])
    return rows


def parse_json_import(body: bytes) -> list[TaskImportRow]:
    """Rows of a JSON export document; raises InvalidInput listing every bad row."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput([_error(["body"], "Invalid JSON", "json_invalid")]) from None
    if not isinstance(document, dict):
        raise InvalidInput([_error(["body"], "Expected an export object", "dict_type")])
    tasks = document.get("tasks")
    if not isinstance(tasks, list):
        raise InvalidInput([_error(["body", "tasks"], "Expected a list of tasks", "list_type")])
    unknown = set(document) - {"version", "exported_at", "tasks"}
    if unknown:
        raise InvalidInput(
            [
                _error(["body", name], "Extra inputs are not permitted", "extra_forbidden")
                for name in sorted(unknown)
            ]
        )
    if document.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise InvalidInput([_error(["body", "version"], "Unsupported version", "value_error")])
    return _validate_rows([(["body", "tasks", index], raw) for index, raw in enumerate(tasks)])


def _json_list(cell: str) -> Any:
    # Not JSON: hand the text on, so validation reports "tags must be a list" for this cell.
    try:
        return json.loads(cell)
    except ValueError:
        return cell


_CSV_PARSERS: dict[str, Callable[[str], Any]] = {
    "tags": _json_list,
    "completed": lambda cell: {"true": True, "false": False}.get(cell.strip().lower(), cell),
    "title": unescape_cell,
    "description": unescape_cell,
}


def parse_csv_import(body: bytes) -> list[TaskImportRow]:
    """Rows of a CSV export; raises InvalidInput with each bad line's number and field."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput([_error(["body"], "CSV must be UTF-8", "value_error")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    raw_rows: list[tuple[list[str | int], Any]] = []
    errors: list[dict[str, Any]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput([_error(["body"], "Empty CSV", "missing")])
        if (
            any(name not in EXPORT_COLUMNS for name in header)
            or "title" not in header
            or len(set(header)) != len(header)
        ):
            raise InvalidInput(
                [_error(["body", "line", 1], "Bad header: expected export columns", "value_error")]
            )
        for cells in reader:
            loc: list[str | int] = ["body", "line", reader.line_num]
            if len(cells) != len(header):
                errors.append(_error(loc, f"Expected {len(header)} cells", "value_error"))
                continue
            # An empty cell means null, or the field's default.
            raw = {
                column: _CSV_PARSERS.get(column, str)(cell)
                for column, cell in zip(header, cells, strict=True)
                if cell != ""
            }
            raw_rows.append((loc, raw))
    except csv.Error as exc:
        raise InvalidInput([_error(["body"], f"Malformed CSV: {exc}", "value_error")]) from None
    return _validate_rows(raw_rows, errors)

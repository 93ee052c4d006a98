"""Labelled text data for training and evaluation: CSV or JSONL with columns ``text,label``.

Encodings tried in order: UTF-8, UTF-8 with BOM, GB18030. Every problem is a one-line
:class:`~yuqing.nlp.errors.TrainingDataError` naming the file, the row and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from yuqing.nlp.errors import TrainingDataError

__all__ = ["LabelledData", "load_labelled", "ENCODINGS"]

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
REQUIRED = ("text", "label")


@dataclass
class LabelledData:
    texts: list[str]
    labels: list[str]
    sha256: str
    path: str

    def __len__(self) -> int:
        return len(self.texts)


def _decode(raw: bytes, path: Path) -> str:
    for enc in ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise TrainingDataError(
        f"{path}: unknown text encoding (tried {', '.join(ENCODINGS)}); save the file as UTF-8"
    )


def _rows_jsonl(text: str, path: Path) -> list[tuple[int, dict]]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(
                f"{path}: line {n}: not JSON ({exc.msg}); JSONL needs one object per line"
            ) from None
        if not isinstance(obj, dict):
            raise TrainingDataError(
                f"{path}: line {n}: expected a JSON object with 'text' and 'label'"
            )
        rows.append((n, obj))
    if rows:
        missing = [c for c in REQUIRED if c not in rows[0][1]]
        if missing:
            raise TrainingDataError(
                f"{path}: line {rows[0][0]}: missing key(s) "
                f"{', '.join(missing)}; each line needs 'text' and 'label'"
            )
    return rows


def _rows_csv(text: str, path: Path) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TrainingDataError(
            f"{path}: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(header) or 'none'}); the CSV header needs 'text' and 'label'"
        )
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None


def load_labelled(path: str | Path, *, min_classes: int = 2) -> LabelledData:
    """Read ``text,label`` rows from a CSV or JSONL file (by extension: .jsonl/.json = JSONL)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TrainingDataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TrainingDataError(f"{path}: is a directory, expected a CSV or JSONL file") from None
    text = _decode(raw, path)
    is_jsonl = path.suffix.lower() in (".jsonl", ".json", ".ndjson")
    rows = _rows_jsonl(text, path) if is_jsonl else _rows_csv(text, path)
    if not rows:
        raise TrainingDataError(f"{path}: no data rows")
    texts, labels = [], []
    for n, row in rows:
        t, lab = row.get("text"), row.get("label")
        where = f"line {n}" if is_jsonl else f"row ending on line {n}"
        if t is None or not str(t).strip():
            raise TrainingDataError(f"{path}: {where}: empty text; remove the row or fill it")
        if lab is None or not str(lab).strip():
            raise TrainingDataError(f"{path}: {where}: empty label; every row needs a label")
        texts.append(str(t))
        labels.append(str(lab).strip())
    classes = set(labels)
    if len(classes) < min_classes:
        raise TrainingDataError(
            f"{path}: only one class ({next(iter(classes))!r}); training needs at least "
            f"{min_classes} different labels"
        )
    return LabelledData(texts, labels, hashlib.sha256(raw).hexdigest(), str(path))

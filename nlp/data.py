"""Labelled text data for training and evaluation: CSV or JSONL with columns ``text,label``.

Evaluation files (:func:`load_evaluation`) carry ``text`` and any of three labels: ``label``
(category), ``focus`` (focus topic ids, ``|``-separated; empty = none; a JSON list in JSONL) and
``negative`` (1 = a negative text, 0 = not negative).

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

__all__ = [
    "LabelledData",
    "load_labelled",
    "load_reviews",
    "EvaluationData",
    "load_evaluation",
    "ENCODINGS",
]

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
REQUIRED = ("text", "label")
#: the label columns an evaluation file may carry (at least one)
SIGNALS = ("label", "focus", "negative")


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


def _rows_jsonl(
    text: str, path: Path, required: tuple[str, ...] = REQUIRED
) -> list[tuple[int, dict]]:
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
        missing = [c for c in required if c not in rows[0][1]]
        if missing:
            raise TrainingDataError(
                f"{path}: line {rows[0][0]}: missing key(s) "
                f"{', '.join(missing)}; each line needs {_names(required)}"
            )
    return rows


def _names(cols: tuple[str, ...]) -> str:
    return " and ".join(f"'{c}'" for c in cols)


def _rows_csv(
    text: str, path: Path, required: tuple[str, ...] = REQUIRED
) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise TrainingDataError(
            f"{path}: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(header) or 'none'}); the CSV header needs {_names(required)}"
        )
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None


def _read(path: str | Path, required: tuple[str, ...]) -> tuple[Path, bytes, bool, list]:
    """(path, raw bytes, is JSONL, [(line, row)]) of a CSV or JSONL file (by extension:
    .jsonl/.json/.ndjson = JSONL)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TrainingDataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TrainingDataError(f"{path}: is a directory, expected a CSV or JSONL file") from None
    text = _decode(raw, path)
    is_jsonl = path.suffix.lower() in (".jsonl", ".json", ".ndjson")
    rows = _rows_jsonl(text, path, required) if is_jsonl else _rows_csv(text, path, required)
    if not rows:
        raise TrainingDataError(f"{path}: no data rows")
    return path, raw, is_jsonl, rows


def _where(n: int, is_jsonl: bool) -> str:
    return f"line {n}" if is_jsonl else f"row ending on line {n}"


def load_labelled(path: str | Path, *, min_classes: int = 2) -> LabelledData:
    """Read ``text,label`` rows from a CSV or JSONL file (by extension: .jsonl/.json = JSONL)."""
    path, raw, is_jsonl, rows = _read(path, REQUIRED)
    texts, labels = [], []
    for n, row in rows:
        t, lab = row.get("text"), row.get("label")
        where = _where(n, is_jsonl)
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


def load_reviews(path: str | Path) -> LabelledData:
    """Read the sentiment model's ``label,review`` rows (waimai_10k layout: label 1 = positive,
    0 = negative); a row with an empty review is skipped. ``labels`` are "0"/"1"."""
    path, raw, is_jsonl, rows = _read(path, ("label", "review"))
    texts, labels = [], []
    for n, row in rows:
        t, lab = row.get("review"), str(row.get("label", "")).strip()
        if t is None or not str(t):
            continue
        if lab not in ("0", "1"):
            raise TrainingDataError(
                f"{path}: {_where(n, is_jsonl)}: label must be 1 (positive) or 0 (negative), "
                f"not {row.get('label')!r}"
            )
        texts.append(str(t))
        labels.append(lab)
    if len(set(labels)) < 2:
        raise TrainingDataError(f"{path}: the sentiment model needs both labels, 1 and 0")
    return LabelledData(texts, labels, hashlib.sha256(raw).hexdigest(), str(path))


@dataclass
class EvaluationData:
    """An evaluation file: texts and whichever labels it carries (None = column absent)."""

    texts: list[str]
    labels: list[str] | None  # category
    focus: list[list[str]] | None  # focus topic ids per text ([] = none)
    negative: list[int] | None  # 1 negative, 0 not negative
    sha256: str
    path: str

    def __len__(self) -> int:
        return len(self.texts)


_TRUE = {"1", "true", "yes", "neg", "negative"}
_FALSE = {"0", "false", "no", "pos", "positive", "neutral", "non-negative"}


def _focus_ids(value, where: str, path: Path) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = value.replace(";", "|").replace(",", "|").split("|")
    else:
        raise TrainingDataError(
            f"{path}: {where}: focus must be topic ids separated by '|' (or a JSON list)"
        )
    return sorted({i.strip() for i in items if i.strip()})


def _negative(value, where: str, path: Path) -> int:
    v = str(value).strip().lower() if value is not None else ""
    if v in _TRUE:
        return 1
    if v in _FALSE:
        return 0
    raise TrainingDataError(
        f"{path}: {where}: negative must be 1 (a negative text) or 0 (not negative), not {value!r}"
    )


def load_evaluation(path: str | Path) -> EvaluationData:
    """Read an evaluation file: ``text`` plus at least one of ``label`` (category),
    ``focus`` (topic ids, ``|``-separated, empty = none) and ``negative`` (1/0)."""
    path, raw, is_jsonl, rows = _read(path, ("text",))
    cols = [c for c in SIGNALS if c in rows[0][1]]
    if not cols:
        found = ", ".join(rows[0][1]) or "none"
        raise TrainingDataError(
            f"{path}: no label column (found: {found}); an evaluation file needs 'text' and "
            "at least one of 'label' (category), 'focus' (topic ids) or 'negative' (1/0)"
        )
    texts: list[str] = []
    labels: list[str] = []
    focus: list[list[str]] = []
    negative: list[int] = []
    for n, row in rows:
        where = _where(n, is_jsonl)
        t = row.get("text")
        if t is None or not str(t).strip():
            raise TrainingDataError(f"{path}: {where}: empty text; remove the row or fill it")
        texts.append(str(t))
        if "label" in cols:
            lab = row.get("label")
            if lab is None or not str(lab).strip():
                raise TrainingDataError(f"{path}: {where}: empty label; every row needs a label")
            labels.append(str(lab).strip())
        if "focus" in cols:
            focus.append(_focus_ids(row.get("focus"), where, path))
        if "negative" in cols:
            negative.append(_negative(row.get("negative"), where, path))
    return EvaluationData(
        texts,
        labels if "label" in cols else None,
        focus if "focus" in cols else None,
        negative if "negative" in cols else None,
        hashlib.sha256(raw).hexdigest(),
        str(path),
    )

"""Precision and recall of linking official replies to the events they answer.

Set (``data/replies/``): 30 citizen messages from the shared labelled data
(``data/teddy2020/dev.csv``, ids in ``events.txt``) stand for open events; 46 official posts
written for this set (``replies.jsonl``): 30 replies, one to each event, quoting it or
describing it in other words; 10 replies to *other* messages of the same data (same topics,
same towns: they must link to nothing); 6 government notices and news items.

Each event's matter is its title (the message title, or its first sentence when it has none)
— the event title alone, no keywords, the hardest case. A prediction is correct when a reply
links to the event it answers; precision = correct / linked, recall = correct / replies that
answer an event of the set.

    python bench/replies.py [--threshold 0.5] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yuqing.alerts import replies  # noqa: E402
from yuqing.timeutil import parse_iso  # noqa: E402

DATA = ROOT / "data" / "replies"
T = parse_iso("2026-11-20T10:00:00+08:00")


def event_title(row: dict) -> str:
    if row["title"].strip():
        return row["title"].strip()
    first = re.split(r"[？?。！!]", row["body"].strip(), maxsplit=1)[0]
    return first[:40]


def load():
    lines = (DATA / "events.txt").read_text("utf-8").splitlines()
    ids = [x.strip() for x in lines if x.strip() and not x.startswith("#")]
    with open(ROOT / "data" / "teddy2020" / "dev.csv", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    events = [(i, replies.matter(event_title(rows[i])), T - timedelta(days=5)) for i in ids]
    items = [json.loads(x) for x in (DATA / "replies.jsonl").read_text("utf-8").splitlines() if x]
    return events, items


def evaluate(threshold: float = replies.THRESHOLD) -> dict:
    events, items = load()
    ids = {e[0] for e in events}
    old = replies.THRESHOLD
    replies.THRESHOLD = threshold
    try:
        linked = correct = 0
        wrong = []
        for item in items:
            cue = bool(replies.CUES.search(item["title"]))
            link = (
                replies.best_event(f"{item['title']}\n{item['text']}", T, events) if cue else None
            )
            if link is None:
                continue
            linked += 1
            if link.event_id == item["answers"]:
                correct += 1
            else:
                wrong.append((item["id"], link.event_id, link.score))
    finally:
        replies.THRESHOLD = old
    should = sum(1 for i in items if i["answers"] in ids)
    return {
        "threshold": threshold,
        "replies": len(items),
        "answering": should,
        "linked": linked,
        "correct": correct,
        "precision": round(correct / linked, 3) if linked else None,
        "recall": round(correct / should, 3) if should else None,
        "wrong": wrong,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threshold", type=float, default=replies.THRESHOLD)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [evaluate(t) for t in sorted({0.3, 0.4, 0.5, 0.6, 0.7, args.threshold})]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    print("threshold  linked  correct  precision  recall")
    for r in rows:
        mark = "  <- shipped" if r["threshold"] == replies.THRESHOLD else ""
        print(
            f"{r['threshold']:>9.2f}  {r['linked']:>6}  {r['correct']:>7}  "
            f"{r['precision']!s:>9}  {r['recall']!s:>6}{mark}"
        )


if __name__ == "__main__":
    main()

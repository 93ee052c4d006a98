"""Which train.csv messages ``data/focus_eval/train_focus.csv`` labels by hand, and why.

    .venv/bin/python tools/focus_candidates.py [--train data/teddy2020/train.csv]

Prints the ids (one a line) of the messages chosen on 2026-11-29 for hand labelling by
``data/focus_eval/RULES.md``: per focus topic, the messages whose opening (title + first 150
characters) matches a *broad* pattern for the topic (``BROAD``: words of its scope, loose on
purpose, so that the draw holds messages in the topic's scope and messages only near it), shuffled
with a fixed seed; up to 45 per topic, and every ecology candidate outside the 环境保护 category
(78: the everyday noise, fumes and rubbish complaints the category does not map). No model
chose them and no model's output was read while labelling; the annotator read each message's
title and first ~230 characters with its category visible, as for dev_focus.csv.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BROAD = {
    "wage_arrears": r"工资|工钱|薪|血汗钱|报酬|工程款|劳务费|奖金|绩效|欠款",
    "business_env": r"企业|公司.{0,10}(办|审批|证|许可|补贴|收费)|个体|营业执照|许可证|审批|招标|"
    r"投标|垄断|商户|办证|扶持",
    "real_estate_finance": r"开发商|交房|房产证|不动产|物业|业委会|公积金|贷款|房价|楼盘|购房|廉租|"
    r"公租|集资|理财|P2P|按揭",
    "hardship": r"低保|困难|贫困|救助|残疾|危房|五保|特困|无依|孤寡|生活无着",
    "work_safety": r"电梯|消防|隐患|燃气|煤气|爆炸|火灾|着火|倒塌|坍塌|危险|事故|安全",
    "food_drug": r"食品|药|疫苗|过期|变质|中毒|检疫|屠宰|卫生许可|餐馆|饭店|小吃|奶粉",
    "ecology": r"噪音|噪声|吵|扰民|灰尘|粉尘|扬尘|灰|臭|异味|污染|排污|油烟|烟尘|睡不着|轰|震动|"
    r"气味|刺鼻|排放|垃圾",
}
PER_TOPIC = 45
SEED = 12


def candidates(train: str | Path) -> list[str]:
    with open(train, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hits: dict[str, list[str]] = {t: [] for t in BROAD}
    for r in rows:
        opening = r["text"][:150]
        for t, p in BROAD.items():
            if t == "ecology" and r["label"] == "环境保护":
                continue  # every 环境保护 message is ecology already (the category-mapped label)
            if re.search(p, opening):
                hits[t].append(r["id"])
    rnd = random.Random(SEED)
    pick: list[str] = []
    for t in BROAD:
        ids = sorted(hits[t])
        rnd.shuffle(ids)
        pick += ids if t == "ecology" else ids[:PER_TOPIC]
    return list(dict.fromkeys(pick))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    args = ap.parse_args(argv)
    print("\n".join(candidates(args.train)))


if __name__ == "__main__":
    main()

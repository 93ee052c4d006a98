"""Which train.csv messages ``data/focus_eval/train_focus.csv`` labels by hand, and why.

    .venv/bin/python tools/focus_candidates.py [--round 1|2] [--show] [--train data/teddy2020/train.csv]

Prints the ids (one a line; ``--show``: with category, title and opening, for the annotator) of
the messages chosen for hand labelling by ``data/focus_eval/RULES.md``.

**Round 1** (2026-11-29): per focus topic, the messages whose opening (title + first 150
characters) matches a *broad* pattern for the topic (``BROAD``: words of its scope, loose on
purpose, so that the draw holds messages in the topic's scope and messages only near it), shuffled
with a fixed seed; up to 45 per topic, and every ecology candidate outside the 环境保护 category
(78: the everyday noise, fumes and rubbish complaints the category does not map). No model
chose them and no model's output was read while labelling; the annotator read each message's
title and first ~230 characters with its category visible, as for dev_focus.csv.

**Round 2** (2026-11-29, later): the five rare topics only (hardship, business_env, food_drug,
wage_arrears, work_safety), messages not labelled in round 1 whose opening matches a *wider*
pattern (``BROAD2``: round 1's words plus the everyday words residents use — 没钱, 治病, 经营,
开店, 吃, 拉肚子, 一分钱, 结算, 裂缝, 关人 …), shuffled with another fixed seed: every hardship
candidate (there are few) and up to 60 per other topic. Again no model chose them and none was
read while labelling.
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

BROAD2 = {
    "hardship": BROAD["hardship"] + r"|扶贫|精准|看不起病|无钱|没钱|治病|重病|瘫痪|孤儿|无人照顾|"
    r"吃不上|生活费|补助",
    "business_env": BROAD["business_env"] + r"|公司|经营|开店|门面|店铺|手续|注册|工商",
    "food_drug": BROAD["food_drug"] + r"|吃|食|肉|饮|餐|腹泻|拉肚子|呕吐|霉",
    "wage_arrears": BROAD["wage_arrears"] + r"|拖欠|欠|钱没|一分钱|结算|讨",
    "work_safety": BROAD["work_safety"] + r"|塔吊|脚手架|裂缝|掉落|砸|漏电|被困|关人",
}
PER_TOPIC2 = 60
SEED2 = 29


def candidates(train: str | Path, round_: int = 1) -> list[str]:
    """The ids drawn in round ``round_`` (see the module's docstring)."""
    with open(train, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if round_ == 2:
        return _round2(rows, set(_round1(rows)))
    return _round1(rows)


def _round1(rows: list[dict]) -> list[str]:
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


def _round2(rows: list[dict], done: set[str]) -> list[str]:
    rnd = random.Random(SEED2)
    pick: list[str] = []
    for t, p in BROAD2.items():
        ids = sorted(r["id"] for r in rows if r["id"] not in done and re.search(p, r["text"][:150]))
        rnd.shuffle(ids)
        pick += ids if t == "hardship" else ids[:PER_TOPIC2]
    return list(dict.fromkeys(pick))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    ap.add_argument("--round", type=int, choices=(1, 2), default=1)
    ap.add_argument("--show", action="store_true", help="with category, title and opening")
    args = ap.parse_args(argv)
    ids = candidates(args.train, args.round)
    if not args.show:
        print("\n".join(ids))
        return
    with open(args.train, encoding="utf-8") as fh:
        by_id = {r["id"]: r for r in csv.DictReader(fh)}
    for i in ids:
        r = by_id[i]
        print(f"{i} [{r['label']}] {r['title']} || {r['body'][:230]}\n")


if __name__ == "__main__":
    main()

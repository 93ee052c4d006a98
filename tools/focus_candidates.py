"""Which train.csv messages ``data/focus_eval/train_focus.csv`` labels by hand, and why.

    .venv/bin/python tools/focus_candidates.py [--round 1|2|3|4|5 | --test] [--show] [--train data/teddy2020/train.csv]

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

**Round 3** (2026-11-29, after the test set): hardship, business_env and food_drug only, every
message neither labelled in rounds 1–2 nor in the test set that matches ``ROUND3`` (round 2's
hardship and food_drug words anywhere in the text, the test set's business_env words in the
opening).

**Round 4** (2026-11-29, after the precision floor): real_estate_finance's near misses and
what is left of wage_arrears, from the messages neither labelled in rounds 1–3 nor in the test
set: those whose opening matches ``ROUND4`` (real_estate_finance: round 1's words plus the
estate words that drew the floor round's false tags — 小区, 业主, 房子, 电梯, 安置房, 拆迁 …;
wage_arrears: round 2's words plus 钱, 发放, 待遇, 补发), shuffled with ``SEED4``, up to
``PER_TOPIC4`` each (a message matching both goes to the first). train.csv has no food_drug or
hardship message left to draw (no match anywhere in the text). Again no model chose them and
none was read while labelling.

**Round 5** (2026-11-30): every message left — neither labelled in rounds 1–4 nor in the test
set — sorted by id and shuffled with ``SEED5``, no pattern: labelled in that order, so the
labelled part is a simple random sample of the rest of train.csv. Again no model chose them and
none was read (nor run on them) while labelling.

**Test set** (``--test``, 2026-11-29): the ids and strata of ``data/focus_eval/test_focus.csv``,
the held-out focus test set (``held_out_draw``): 200 messages drawn at random from all of train.csv
(seed ``TEST_SEED``), then enriched strata for business_env, food_drug, hardship and
wage_arrears drawn from the messages no round labelled, in two stages (RULES.md). The focus
model never learns from these rows (``tools/train_focus.py`` drops them).
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

#: round 3 (after the test set was drawn): what is left for the three rarest topics — round 2's
#: hardship and food_drug words anywhere in the text, the test set's business_env words in the
#: opening
ROUND3 = {
    "hardship": (BROAD2["hardship"], "text"),
    "business_env": (
        BROAD2["business_env"] + r"|招商|投资|商家|老板|个体户|营商",
        "opening",
    ),
    "food_drug": (BROAD2["food_drug"], "text"),
}
SEED3 = 31

#: round 4 (after the precision floor): real_estate_finance's near misses and wage_arrears' rest
ROUND4 = {
    "real_estate_finance": BROAD["real_estate_finance"]
    + r"|小区|业主|房子|住房|楼房|商品房|安置房|拆迁|电梯|房屋|单元|购房|买房|房贷",
    "wage_arrears": BROAD2["wage_arrears"] + r"|钱|发放|待遇|补发",
}
PER_TOPIC4 = {"real_estate_finance": 90, "wage_arrears": 60}
SEED4 = 41
SEED5 = 55

#: the held-out focus test set (``data/focus_eval/test_focus.csv``): a simple random sample of
#: train.csv, then enriched strata for the rare topics drawn from the messages no round labelled
TEST_SEED = 2026
TEST_RANDOM = 200
TEST_ENRICHED = {
    # hardship: round 2 took every opening match; the rest of train.csv holds its words only
    # further in, so the whole text is searched
    "hardship": (
        r"低保|贫困|特困|五保|残疾|危房|救助|困难户|困难家庭|生活困难|孤寡|孤儿|扶贫|无依|"
        r"看不起病|没钱治|生活无着",
        None,
        "text",
    ),
    "business_env": (BROAD2["business_env"] + r"|招商|投资|商家|老板|个体户|营商", 50, "opening"),
    "food_drug": (BROAD2["food_drug"], None, "opening"),
    "wage_arrears": (BROAD2["wage_arrears"], 50, "opening"),
}
#: second stage, drawn after the first was labelled (its positives fell short of 40 for the
#: rare topics): what is left of business_env's opening matches (up to 100), and every message
#: left whose *whole text* matches a narrower pattern for wage_arrears and food_drug (their
#: opening matches were used up); hardship has nothing left (stage 1 took every match)
TEST_ENRICHED2 = {
    "business_env": (TEST_ENRICHED["business_env"][0], 100, "opening"),
    "wage_arrears": (
        r"拖欠|欠薪|讨薪|工钱|血汗钱|工程款|克扣|欠.{0,6}工资|工资.{0,6}(没|未|不)(发|给|付)",
        None,
        "text",
    ),
    "food_drug": (
        r"食品|变质|过期|中毒|检疫|屠宰|假药|劣药|疫苗|地沟油|病死|注水|三无|霉变|食堂|餐馆|"
        r"饭店|药店|药房|保健品",
        None,
        "text",
    ),
}


def candidates(train: str | Path, round_: int = 1) -> list[str]:
    """The ids drawn in round ``round_`` (see the module's docstring)."""
    with open(train, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if round_ == 5:
        return _round5(rows, train)
    if round_ == 4:
        return _round4(rows, train)
    if round_ == 3:
        return _round3(rows, set(_round1(rows)) | set(_round2(rows, set(_round1(rows)))), train)
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


def _round3(rows: list[dict], done: set[str], train: str | Path) -> list[str]:
    """Round 3: hardship, business_env and food_drug only, from the messages neither labelled
    in rounds 1–2 nor in the held-out test set: every one matching ``ROUND3``."""
    taken = done | {i for i, _ in held_out_draw(train)}
    rnd = random.Random(SEED3)
    pick: list[str] = []
    for pat, where in ROUND3.values():
        pick += _matching(rows, taken, pat, where, rnd)
    return list(dict.fromkeys(pick))


def _round4(rows: list[dict], train: str | Path) -> list[str]:
    """Round 4: real_estate_finance and wage_arrears, from the messages neither labelled in
    rounds 1–3 nor in the held-out test set: up to ``PER_TOPIC4`` opening matches of
    ``ROUND4`` each."""
    done = set(_round1(rows))
    done |= set(_round2(rows, done))
    taken = done | set(_round3(rows, done, train)) | {i for i, _ in held_out_draw(train)}
    rnd = random.Random(SEED4)
    pick: list[str] = []
    for t, pat in ROUND4.items():
        ids = [i for i in _matching(rows, taken, pat, "opening", rnd) if i not in pick]
        pick += ids[: PER_TOPIC4[t]]
    return pick


def _round5(rows: list[dict], train: str | Path) -> list[str]:
    """Round 5: every message neither labelled in rounds 1–4 nor in the held-out test set,
    sorted then shuffled with ``SEED5`` (labelled in this order, so any prefix is a simple
    random sample of them)."""
    done = set(_round1(rows))
    done |= set(_round2(rows, done))
    done |= set(_round3(rows, done, train))
    taken = done | set(_round4(rows, train)) | {i for i, _ in held_out_draw(train)}
    ids = sorted(r["id"] for r in rows if r["id"] not in taken)
    random.Random(SEED5).shuffle(ids)
    return ids


def _matching(
    rows: list[dict], taken: set[str], pat: str, where: str, rnd: random.Random
) -> list[str]:
    """Ids of the rows not ``taken`` whose text (``where`` = "text") or opening 150
    characters match ``pat``, sorted then shuffled by ``rnd``."""
    ids = sorted(
        r["id"]
        for r in rows
        if r["id"] not in taken
        and re.search(pat, r["text"] if where == "text" else r["text"][:150])
    )
    rnd.shuffle(ids)
    return ids


def held_out_draw(train: str | Path) -> list[tuple[str, str]]:
    """(id, stratum) of the held-out focus test set (``data/focus_eval/test_focus.csv``):
    ``TEST_RANDOM`` messages drawn at random from all of train.csv (stratum ``random``; rows
    hand-labelled for training in rounds 1–2 included, they leave the training labels), then
    per rare topic (``TEST_ENRICHED``: pattern, cap, where it is searched) the messages no
    round labelled and not drawn yet that match, shuffled with the same seed (stratum
    ``enriched:<topic>``; a message matching several topics goes to the first); then the
    second stage ``TEST_ENRICHED2`` the same way with seed ``TEST_SEED + 1``."""
    with open(train, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    labelled = set(_round1(rows)) | set(_round2(rows, set(_round1(rows))))
    rnd = random.Random(TEST_SEED)
    ids = sorted(r["id"] for r in rows)
    out = [(i, "random") for i in rnd.sample(ids, TEST_RANDOM)]
    taken = {i for i, _ in out} | labelled
    for stage, enriched in ((1, TEST_ENRICHED), (2, TEST_ENRICHED2)):
        if stage == 2:
            rnd = random.Random(TEST_SEED + 1)
        for t, (pat, cap, where) in enriched.items():
            hits = _matching(rows, taken, pat, where, rnd)
            hits = hits[:cap] if cap else hits
            out += [(i, f"enriched:{t}") for i in hits]
            taken |= set(hits)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    ap.add_argument("--round", type=int, choices=(1, 2, 3, 4, 5), default=1)
    ap.add_argument("--test", action="store_true", help="the held-out test set's draw instead")
    ap.add_argument("--show", action="store_true", help="with category, title and opening")
    args = ap.parse_args(argv)
    drawn = (
        held_out_draw(args.train)
        if args.test
        else [(i, "") for i in candidates(args.train, args.round)]
    )
    ids = [i for i, _ in drawn]
    if not args.show:
        print("\n".join(f"{i},{s}" if s else i for i, s in drawn))
        return
    with open(args.train, encoding="utf-8") as fh:
        by_id = {r["id"]: r for r in csv.DictReader(fh)}
    for i in ids:
        r = by_id[i]
        print(f"{i} [{r['label']}] {r['title']} || {r['body'][:230]}\n")


if __name__ == "__main__":
    main()

"""`yuqing demo` runs the whole pipeline offline and says where everything is."""

from __future__ import annotations

import email
import email.policy
import re

from tests.conftest import ROOT, run_cli


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("--config", str(ROOT / "config"), "demo", "--out", str(out), check=True)
    text = proc.stdout
    posts = int(re.search(r"posts stored:\s+(\d+)", text).group(1))
    assert posts >= 90
    assert (out / "yuqing.db").exists() and f"store:          {out / 'yuqing.db'}" in text
    # alerts and the digest reached the local mail sink as real SMTP messages
    mails = sorted((out / "mail").glob("*.eml"))
    msgs = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in mails]
    subjects = [m["Subject"] for m in msgs]
    assert any(s.startswith("【舆情日报】") for s in subjects), subjects
    assert any(re.match(r"【(红色|橙色|黄色)预警】|【蓝色提示】", s) for s in subjects), subjects
    # the live wage-arrears surge on the message board is routed to its lead unit, 人力社保局
    wage = [m for m in msgs if "工资拖欠" in m["Subject"]]
    assert wage and {m["To"] for m in wage} == {"yuqing@hrss.gov.example"}
    assert f"mail received:  {len(mails)} message(s)" in text
    digest = re.search(r"digest:\s+(\S+)", text).group(1)
    assert digest.endswith(".html") and "舆情日报" in open(digest, encoding="utf-8").read()
    # nothing from the demo leaks into the operator's store
    assert not (ROOT / "config" / "var").exists()

"""``yuqing alerts …``, ``yuqing cycle`` and ``yuqing run`` end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import yaml
from click.testing import CliRunner

from tests.alerts.conftest import HOT, REPO, SAFETY, make_event, make_post
from yuqing.alerts.rules.hotness import HotnessRule
from yuqing.cli import cli
from yuqing.timeutil import now


def seeded(make_rig, rules=(HOT, SAFETY)):
    rig = make_rig(list(rules))
    t = now()
    rig.store.upsert_event(make_event("e1", focus=["real_estate_finance"], when=t))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"], when=t))
    return rig


def yq(rig, *args):
    return CliRunner().invoke(cli, ["--config", str(rig.cdir), *args], catch_exceptions=False)


def test_cycle_twice_sends_each_alert_once(make_rig, smtp_sink):
    rig = seeded(make_rig)
    r1 = yq(rig, "cycle", "--no-crawl", "--json")
    r2 = yq(rig, "cycle", "--no-crawl", "--json")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    assert len(json.loads(r1.output)["alerts"]["created"]) == 2
    assert json.loads(r2.output)["alerts"]["created"] == []
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == 5


def test_list_ack_resolve_test_stats(make_rig, smtp_sink):
    rig = seeded(make_rig)
    out = yq(rig, "alerts", "test", "hot")
    assert out.exit_code == 0 and "would alert" in out.output and smtp_sink.messages == []
    assert list(rig.store.iter_alerts()) == []  # dry run writes nothing
    assert yq(rig, "alerts", "check").exit_code == 0
    again = yq(rig, "alerts", "test", "hot")  # the store was read after it was closed
    assert again.exit_code == 0, again.output
    assert "already raised: " in again.output and "would alert" not in again.output
    assert "hot: 0 alert(s) would be raised, 1 already raised, 0 suppressed" in again.output
    rows = [json.loads(line) for line in yq(rig, "alerts", "list", "--json").output.splitlines()]
    assert {r["status"] for r in rows} == {"open"} and len(rows) == 2
    aid = rows[0]["id"]
    assert yq(rig, "alerts", "ack", aid[:8], "--by", "李四").exit_code == 0
    assert yq(rig, "alerts", "resolve", aid, "--note", "已回应").exit_code == 0
    assert "resolved" in yq(rig, "alerts", "list", "--status", "resolved").output
    bad = yq(rig, "alerts", "ack", aid)
    assert bad.exit_code == 1 and bad.output.strip().count("\n") == 0
    stats = json.loads(yq(rig, "alerts", "stats", "--json").output)
    assert sum(s["resolved"] for s in stats) == 1
    assert "sent=5" in yq(rig, "alerts", "outbox").output


def test_level_changes_the_level_and_tells_the_departments(make_rig, smtp_sink):
    rig = seeded(make_rig)
    assert yq(rig, "alerts", "check").exit_code == 0
    hot = next(a for a in rig.store.iter_alerts() if a.rule == "hot")  # orange
    before = len(smtp_sink.messages)
    r = yq(rig, "alerts", "level", hot.id[:8], "red", "--reason", "事态扩大", "--by", "李四")
    assert r.exit_code == 0, r.output
    assert f"{hot.id}  red" in r.output and "message(s) sent, 0 failed" in r.output
    a = rig.store.get_alert(hot.id)
    entry = a.evidence["history"][-1]
    assert (a.level, entry["from"], entry["to"], entry["by"], entry["role"]) == (
        "red",
        "orange",
        "red",
        "李四",
        "cli",
    )
    assert entry["note"] == "事态扩大"
    new = [m for _, m in smtp_sink.messages[before:]]
    assert new and all(m["Subject"].startswith("【红色预警】【等级上调】") for m in new)
    assert {m["X-Yuqing-Alert-Id"] for m in new} == {hot.id}
    # the export's level is the current level; the full record keeps the original
    exported = {
        r["id"]: r for r in map(json.loads, yq(rig, "export", "alerts").output.splitlines())
    }
    assert exported[hot.id]["level"] == "red"
    full = yq(rig, "export", "alerts", "--all-fields").output.splitlines()
    record = next(r for r in map(json.loads, full) if r["id"] == hot.id)
    assert record["evidence"]["original_level"] == "orange"
    # bad input: one line, exit status 1, nothing changed
    for args, says in (
        (("red", "--reason", "又一次"), "already red"),
        (("purple", "--reason", "x"), "LEVEL: unknown level 'purple' (use red, orange"),
        (("blue", "--reason", " "), "a reason is required"),
    ):
        bad = yq(rig, "alerts", "level", hot.id, *args)
        assert bad.exit_code == 1 and says in bad.stderr, bad.output
        assert bad.stderr.strip().count("\n") == 0 and bad.stderr.startswith("error: ")
    missing = yq(rig, "alerts", "level", "zzzzzzzz", "blue", "--reason", "x")
    assert missing.exit_code == 1 and "no alert with id 'zzzzzzzz'" in missing.stderr
    assert yq(rig, "alerts", "level", hot.id, "blue").exit_code == 2  # --reason is required
    assert rig.store.get_alert(hot.id).level == "red"
    assert len(smtp_sink.messages) == before + len(new)


def test_check_with_smtp_down_fails_in_one_line_and_keeps_the_messages(make_rig, smtp_sink):
    """SMTP down: `alerts check` exited 0 with one `warning:` line per message (cron saw
    nothing wrong) while `yuqing cycle` failed; now one error line, status 1, messages kept."""
    rig = seeded(make_rig)
    smtp_sink.stop()
    r = yq(rig, "alerts", "check")
    assert r.exit_code == 1, r.output
    errors = [x for x in r.stderr.splitlines() if not re.match(r"\d{4}-\d\d-\d\d ", x)]
    assert len(errors) == 1, r.stderr
    assert errors[0].startswith("error: alerts check: 5 message(s) not delivered (SMTP "), errors
    assert errors[0].count("SMTP ") == 1 and "retried (`yuqing alerts outbox`)" in errors[0]
    assert "pending=5" in yq(rig, "alerts", "outbox").output
    smtp_sink.start()
    assert smtp_sink.messages == []


def test_dry_run_of_a_standing_volume_alert(make_rig, smtp_sink):
    """`alerts test` of a grouped rule whose alert stands: the match filled its posts from the
    store after the command had closed it ("Cannot operate on a closed database")."""
    wages = {
        "id": "wages",
        "type": "volume",
        "level": "yellow",
        "window": "6h",
        "options": {"group_by": "focus", "focus": ["wage_arrears"], "threshold": 2},
    }
    rig = make_rig([wages])
    for i in (1, 2, 3):
        rig.store.upsert_post(make_post(i, title="拖欠工资", focus=["wage_arrears"], when=now()))
    assert yq(rig, "alerts", "check").exit_code == 0 and len(smtp_sink.messages) == 1
    r = yq(rig, "alerts", "test", "wages")
    assert r.exit_code == 0, r.output
    assert "already raised: " in r.output and "(open)" in r.output
    assert "wages: 0 alert(s) would be raised, 1 already raised, 0 suppressed" in r.output


def test_rule_file_with_mistakes(make_rig, smtp_sink):
    rig = seeded(
        make_rig, rules=(SAFETY, {"id": "bad", "type": "hotness", "options": {"treshold": 5}})
    )
    r = yq(rig, "alerts", "check")
    assert r.exit_code == 1
    assert "rules.yaml: rules[1].options.treshold" in r.output
    assert len(smtp_sink.messages) == 2  # the good rule still alerted
    yq(rig, "alerts", "check")
    assert len(smtp_sink.messages) == 2  # and only once
    (rig.cdir / "rules.yaml").write_text(yaml.safe_dump({"rules": [{"id": "x", "type": 3}]}))
    r = yq(rig, "alerts", "check")
    assert r.exit_code == 1 and "rules.yaml" in r.output and len(smtp_sink.messages) == 2


def test_a_rule_that_raises_is_reported_and_the_others_still_run(make_rig, smtp_sink, monkeypatch):
    rig = seeded(make_rig)

    def broken(self, snapshot):  # a bug in one rule type
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(HotnessRule, "evaluate", broken)
    r = yq(rig, "alerts", "check")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "error: rule hot failed: ZeroDivisionError: division by zero",
        "error: alerts check: 1 rule(s) failed; everything else ran",
    ]
    assert len(smtp_sink.messages) == 2  # the safety rule alerted and was delivered
    out = json.loads(yq(rig, "alerts", "check", "--json").stdout)
    assert out["failed_rules"] == {"hot": "ZeroDivisionError: division by zero"}


def caught_up(lines: list[str]) -> bool:
    """The jobs run at start (alerts check, delivery) have run (``-v`` logs each)."""
    done = [x for x in lines if "executed successfully" in x]
    return all(any(f'Job "{job} ' in x for x in done) for job in ("check_job", "deliver_job"))


def test_run_daemon_stops_on_sigterm_and_restarts_without_duplicates(make_rig, smtp_sink):
    rig = seeded(make_rig)
    cmd = [sys.executable, "-m", "yuqing", "-v", "--config", str(rig.cdir), "run", "--no-crawl"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for round_ in range(2):
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        lines: list[str] = []
        reader = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
            len(smtp_sink.messages) >= 5 and caught_up(lines)
        ):
            time.sleep(0.1)
        assert caught_up(lines), "".join(lines)[-2000:]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=5)
        assert proc.returncode == 0, "".join(lines)[-2000:]
        assert any("scheduler stopped" in x for x in lines), round_
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == 5
    assert (rig.root / "var" / "scheduler.db").exists()


def test_every_alerts_command_is_documented():
    doc = (REPO / "docs" / "alerts.md").read_text(encoding="utf-8")
    group = cli.commands["alerts"]
    for name, command in group.commands.items():
        assert f"yuqing alerts {name}" in doc, name
        assert "Example:" in (command.help or ""), name
    for name in ("run", "cycle"):
        assert f"yuqing {name}" in doc
        assert "Example:" in cli.commands[name].help
    for rule_type in (
        "hotness",
        "spike",
        "volume",
        "keyword",
        "negativity",
        "focus_risk",
        "source_health",
        "dormancy",
    ):
        assert re.search(rf"`{rule_type}`", doc), rule_type

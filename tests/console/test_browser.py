"""The console's main flows in a real browser: Debian's headless Chromium driven through
chromium-driver by Selenium (no browser download). A liaison opens the link from the e-mail
the test SMTP server captured and goes 签收 → 回应 with a URL → 办结; duty staff sign in,
reassign and escalate. Screenshots land in the test's tmp folder at phone width."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.console.conftest import EVIL, PASSWORD, quiet_event

HRSS = "yuqing@hrss.gov.example"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=412,915",  # a phone
)


@pytest.fixture
def driver():
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if not binary or not chromedriver:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are required in CI (make sysdeps)")
        pytest.skip("install chromium and chromium-driver (make sysdeps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="yuqing-selenium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    d = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    d.set_page_load_timeout(30)
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _by_id(d, element_id):
    from selenium.webdriver.common.by import By

    return d.find_element(By.ID, element_id)


def _submit(d, element_id):
    """Click a submit button and wait for the next page to replace this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = d.find_element(By.TAG_NAME, "html")
    _by_id(d, element_id).click()

    def replaced(driver) -> bool:
        try:
            return ec.staleness_of(old)(driver)
        except WebDriverException as exc:
            # under load the old page can be torn down while Chromium answers the check:
            # "unhandled inspector error … Node with given id does not belong to the document"
            if "does not belong to the document" in str(exc):
                return True
            raise

    WebDriverWait(d, 20).until(replaced)


def _screenshot(d, path) -> None:
    """Save a screenshot (an artifact for people, not checked). Under heavy load Chromium may
    answer the capture with "unhandled inspector error … Unable to capture screenshot": tried
    again a few times before the error stands."""
    import time

    from selenium.common.exceptions import WebDriverException

    for attempt in range(4):
        try:
            d.save_screenshot(str(path))
            return
        except WebDriverException:
            if attempt == 3:
                raise
            time.sleep(1.0)


def _open_details(d, summary_text):
    from selenium.webdriver.common.by import By

    for s in d.find_elements(By.TAG_NAME, "summary"):
        if summary_text in s.text:
            if not s.find_element(By.XPATH, "..").get_attribute("open"):
                s.click()
            return
    raise AssertionError(f"no section {summary_text}")


def test_liaison_acks_responds_and_resolves_in_the_browser(rig, driver, tmp_path):
    driver.get(rig.link(HRSS) + "?do=ack")
    assert "黄色预警" in driver.title
    assert "工地拖欠工资" in _by_id(driver, "messages").text
    # crawled markup shows as text and never becomes elements (an alert() would also fail
    # every later Selenium call with UnexpectedAlertPresentException)
    from selenium.webdriver.common.by import By

    assert EVIL in _by_id(driver, "alert-title").text
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "img") == []
    _screenshot(driver, tmp_path / "liaison-open.png")

    _submit(driver, "ack")
    assert "已签收" in _by_id(driver, "done").text
    assert rig.store.get_alert(rig.alert.id).status == "acked"

    _open_details(driver, "回应")
    _by_id(driver, "respond-url").send_keys("https://gov.example/reply/88.html")
    _by_id(driver, "respond-text").send_keys("已约谈企业，承诺本周内发放")
    _submit(driver, "respond")
    assert "https://gov.example/reply/88.html" in driver.page_source
    assert rig.store.get_alert(rig.alert.id).responded_at is not None

    _open_details(driver, "办结")
    _by_id(driver, "outcome").send_keys("工资已全部发放")
    _submit(driver, "resolve")
    assert "该预警已办结" in _by_id(driver, "resolved").text
    _screenshot(driver, tmp_path / "liaison-resolved.png")
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.status == "resolved"
    assert [h["action"] for h in alert.evidence["history"]] == ["ack", "respond", "resolve"]


def test_staff_signs_in_reassigns_and_escalates_in_the_browser(rig, driver, tmp_path):
    from selenium.webdriver.support.ui import Select

    driver.get(f"{rig.base}/alerts/{rig.alert.id}")
    assert "/login" in driver.current_url  # sign-in first, then back to the alert
    _by_id(driver, "username").send_keys("duty")
    _by_id(driver, "password").send_keys(PASSWORD)
    _submit(driver, "login")
    assert f"/alerts/{rig.alert.id}" in driver.current_url
    assert "值班处置" in driver.page_source

    before = len(rig.sink.messages)
    _open_details(driver, "改派")
    Select(_by_id(driver, "reassign-lead")).select_by_visible_text("应急管理局")
    _by_id(driver, "reassign-note").send_keys("涉及安全生产")
    _submit(driver, "reassign")
    assert "已改派" in _by_id(driver, "done").text
    assert rig.store.get_alert(rig.alert.id).departments == ["emergency"]
    assert [r for r, _ in rig.sink.messages[before:]] == [["yuqing@yjgl.gov.example"]]

    _by_id(driver, "escalate-note").send_keys("请立即处置")
    _submit(driver, "escalate")
    assert "已督办升级" in _by_id(driver, "done").text
    assert rig.store.get_alert(rig.alert.id).status == "escalated"
    assert any("【督办升级】" in m["Subject"] for _, m in rig.sink.messages[before:])
    _screenshot(driver, tmp_path / "staff-escalated.png")

    driver.get(f"{rig.base}/departments")
    assert "应急管理局" in _by_id(driver, "metrics").text


def test_staff_raises_the_level_in_the_browser(rig, driver, tmp_path):
    """研判 / 调整等级: the form's level select and required reason, the notice mailed under
    the new level's tag, the page and the queue showing the new level, the history entry."""
    from selenium.webdriver.support.ui import Select

    driver.get(f"{rig.base}/alerts/{rig.alert.id}")
    _by_id(driver, "username").send_keys("duty")
    _by_id(driver, "password").send_keys(PASSWORD)
    _submit(driver, "login")
    before = len(rig.sink.messages)
    _open_details(driver, "调整等级")
    # the browser itself refuses an empty reason (required): nothing is posted
    Select(_by_id(driver, "relevel-level")).select_by_value("red")
    _by_id(driver, "relevel").click()
    assert rig.store.get_alert(rig.alert.id).level == "yellow"
    _by_id(driver, "relevel-reason").send_keys("多家媒体转载，事态扩大")
    _submit(driver, "relevel")
    assert "已调整等级为红色预警" in _by_id(driver, "done").text
    assert _by_id(driver, "alert-level").text == "红色预警"
    assert "黄色预警 → 红色预警" in _by_id(driver, "history").text
    assert "多家媒体转载，事态扩大" in _by_id(driver, "history").text
    _screenshot(driver, tmp_path / "staff-relevelled.png")
    assert rig.store.get_alert(rig.alert.id).level == "red"
    new = [m for _, m in rig.sink.messages[before:]]
    assert new and all(m["Subject"].startswith("【红色预警】【等级上调】") for m in new)

    driver.get(f"{rig.base}/")
    assert "红色预警" in _by_id(driver, "queue").text


def test_staff_raise_an_alert_from_an_event_in_the_browser(rig, driver, tmp_path):
    """人工报送: the event page's form (level, lead unit, required note), the alert page it
    leads to, the mail under the chosen level's tag, and the event page afterwards."""
    from selenium.webdriver.support.ui import Select

    quiet_event(rig)
    driver.get(f"{rig.base}/events/e2")
    _by_id(driver, "username").send_keys("duty")
    _by_id(driver, "password").send_keys(PASSWORD)
    _submit(driver, "login")
    assert "/events/e2" in driver.current_url and EVIL not in driver.page_source
    before = len(rig.sink.messages)
    Select(_by_id(driver, "raise-level")).select_by_value("orange")
    Select(_by_id(driver, "raise-lead")).select_by_visible_text("综合行政执法局")
    _by_id(driver, "raise").click()  # the browser refuses an empty note: nothing is posted
    assert [a.event_id for a in rig.store.iter_alerts()] == ["e1"]
    _by_id(driver, "raise-note").send_keys("夜市油烟扰民，请牵头整治")
    _submit(driver, "raise")
    assert "已报送橙色预警" in _by_id(driver, "done").text
    assert "人工报送" in _by_id(driver, "history").text
    _screenshot(driver, tmp_path / "staff-raised.png")
    (a,) = [a for a in rig.store.iter_alerts() if a.event_id == "e2"]
    assert a.departments == ["urban_mgmt"] and a.level == "orange"
    new = [(r, m) for r, m in rig.sink.messages[before:]]
    assert [r for r, _ in new] == [["yuqing@zhzf.gov.example"]]
    assert new[0][1]["Subject"].startswith("【橙色预警】夜市油烟")
    driver.get(f"{rig.base}/events/e2")
    assert a.id in _by_id(driver, "standing").text


def test_staff_make_the_report_on_an_event_in_the_browser(rig, driver, tmp_path):
    """舆情专报: the event page's form opens the printable report with the 研判意见."""
    driver.get(f"{rig.base}/events/e1")
    _by_id(driver, "username").send_keys("duty")
    _by_id(driver, "password").send_keys(PASSWORD)
    _submit(driver, "login")
    _by_id(driver, "report-note").send_keys("建议人社局牵头约谈施工方")
    _submit(driver, "report")
    assert "/events/e1/report" in driver.current_url
    assert _by_id(driver, "title").text.startswith("【舆情专报】某工地欠薪")
    assert _by_id(driver, "note").text == "建议人社局牵头约谈施工方"
    assert rig.alert.id in _by_id(driver, "handling").text
    assert EVIL not in driver.page_source
    _screenshot(driver, tmp_path / "staff-report.png")


def test_staff_search_messages_in_the_browser(rig, driver, tmp_path):
    """信息检索: the form's words and filters, the marked results, a result opens its
    message's page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    quiet_event(rig)
    driver.get(f"{rig.base}/search")
    _by_id(driver, "username").send_keys("duty")
    _by_id(driver, "password").send_keys(PASSWORD)
    _submit(driver, "login")
    assert "/search" in driver.current_url
    _by_id(driver, "q").send_keys("油烟 开窗")
    Select(_by_id(driver, "days")).select_by_value("30")
    _submit(driver, "search-button")
    rows = _by_id(driver, "results").find_elements(By.CSS_SELECTOR, "a[href^='/posts/']")
    assert len(rows) == 2 and "第 1–2 条" in _by_id(driver, "search-summary").text
    marks = [m.text for m in driver.find_elements(By.TAG_NAME, "mark")]
    assert "油烟" in marks and "开窗" in marks
    assert EVIL not in driver.page_source
    _screenshot(driver, tmp_path / "staff-search.png")
    driver.get(rows[0].get_attribute("href"))  # (get waits for the page; a click may not)
    assert "油烟" in _by_id(driver, "post-title").text

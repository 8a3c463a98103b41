"""A municipality's history, a correction, the audit log and the workbook download in Chromium, on
SQLite and PostgreSQL, each page checked with axe-core: a clerk opens Ludvika from Läget, corrects
question 5 (a new version marked with who and why, an audit line with the clerk, a mail to the
municipality in the outbox), reads the line in the log, and downloads the year's workbook.
"""

from __future__ import annotations

import email
from datetime import datetime
from email import policy

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from lagesbild.samples import template_docx
from parsers.result import Answer, Period
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.browser.browser import (
    Chromium,
    LiveSite,
    assert_accessible,
    downloaded,
    focus_ring,
    keyboard_sign_in,
    navigates,
    press,
    sign_in,
    tab_to,
)
from tests.web.conftest import NOW, PASSWORD
from tests.web.desk import audit_lines, deliver, outbox

OCT = Period(2026, 10)
ANSWERS = {n: Answer(2, f"Kommentar till fråga {n}.") for n in range(1, 7)} | {7: Answer(None, "Nattvandring.")}
REASON = "Läst fel ur tabellen"
ARRIVED = datetime(2026, 10, 29, 14, 3, tzinfo=NOW.tzinfo)


def _ludvika_in(site: LiveSite) -> None:
    form = template_docx(site.config.county.form, "Ludvika", OCT, ANSWERS)
    eml = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                           [("Lägesbild oktober.docx", form, mails.DOCX_TYPE)], message_id="<oktober@ludvika.se>")
    outcome, _ = deliver(site.engine, site.config, eml, "ludvika-1", ARRIVED)
    assert outcome is Outcome.STORED


def test_a_clerk_opens_a_municipality_corrects_a_value_and_finds_it_in_the_log(chromium: Chromium, site: LiveSite,
                                                                              staff: str, axe: str) -> None:
    _ludvika_in(site)
    driver = chromium.driver
    sign_in(driver, site, staff, PASSWORD)
    driver.get(site.url + "/?period=2026-10")

    with navigates(driver):
        driver.find_element(By.LINK_TEXT, "Ludvika").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Ludvika"
    assert_accessible(driver, axe, "a municipality's history")
    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "a[aria-label='Rätta fråga 5 i 2026-10']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Rätta ett felläst värde"
    assert_accessible(driver, axe, "the correction form")

    Select(driver.find_element(By.ID, "impact")).select_by_value("4")
    driver.find_element(By.ID, "reason").send_keys(REASON)
    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "#rattelse button[type=submit]").click()

    latest = driver.find_element(By.CSS_SELECTOR, ".version.latest")
    assert "Version 2 – rättad av länsstyrelsen" in latest.text
    assert f"{staff}. Skäl: {REASON}" in latest.find_element(By.CSS_SELECTOR, "dd.corrected").text
    change = latest.find_element(By.CSS_SELECTOR, "table.changes tbody tr")
    assert [change.find_element(By.CSS_SELECTOR, c).text for c in ("td.before", "td.after")] == \
        ["2 – Avvikande", "4 – Allvarligt"]
    # Under each value, where it was read from: the corrected impact names the clerk and the reason,
    # the comment left as it was still names the file and the line it was read from.
    row = latest.find_element(By.XPATH, ".//table[contains(@class, 'answers')]//tr[th[starts-with(., '5 ')]]")
    impact_note = row.find_element(By.CSS_SELECTOR, "td.level small.source")
    comment_note = row.find_element(By.CSS_SELECTOR, "td.comment small.source")
    assert impact_note.is_displayed() and impact_note.text == f"Rättat av {staff}: {REASON}"
    assert comment_note.is_displayed() and comment_note.text.startswith("Läst ur Lägesbild oktober.docx:")
    assert "Kommentar: Kommentar till fråga 5." in comment_note.text
    assert_accessible(driver, axe, "the history after a correction")
    [line] = audit_lines(site.engine, "corrected")
    assert (line.actor, line.before, line.after) == (staff, "Fråga 5, påverkan: 2", "Fråga 5, påverkan: 4")
    [notice] = [m for m in outbox(site.engine) if m.kind == "correction_notice"]
    assert notice.to_addrs == ("samordnare@ludvika.se",)
    body = email.message_from_bytes(notice.raw, policy=policy.default).get_body(("plain",))
    assert body is not None and "4 – Allvarligt" in body.get_content()

    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "#nav a[href='/logg']").click()
    assert_accessible(driver, axe, "the audit log")
    Select(driver.find_element(By.ID, "aktor")).select_by_value(staff)
    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "#loggfilter button[type=submit]").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "table.log tbody tr")
    # Newest first: the correction, then the clerk's own sign-in (every sign-in is an audit line).
    assert [r.find_element(By.CSS_SELECTOR, "td.event").text for r in rows] == ["rättat av länet", "inloggad"]
    assert rows[0].find_element(By.CSS_SELECTOR, "td.actor").text == staff
    assert rows[0].find_element(By.CSS_SELECTOR, "td.after").text == "Fråga 5, påverkan: 4"
    assert_accessible(driver, axe, "the audit log filtered by clerk")


def test_the_workbook_downloads_in_the_browser_and_opens(chromium: Chromium, site: LiveSite, staff: str,
                                                         axe: str) -> None:
    _ludvika_in(site)
    driver = chromium.driver
    sign_in(driver, site, staff, PASSWORD)

    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "#nav a[href='/hamta']").click()
    assert_accessible(driver, axe, "the downloads page")
    year = driver.find_element(By.ID, "ar")
    year.clear()
    year.send_keys("2026")
    driver.find_element(By.ID, "get-workbook").click()

    [path] = list(downloaded(chromium.downloads))
    assert path.name == f"Lägesbild {site.config.county.name} 2026.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.title.startswith("5 "))
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert "Avvikande" in rows["Ludvika"]


def test_the_keyboard_alone_corrects_a_value(chromium: Chromium, site: LiveSite, staff: str) -> None:
    _ludvika_in(site)
    driver = chromium.driver
    keyboard_sign_in(driver, site, staff, PASSWORD)
    driver.get(site.url + "/?period=2026-10")

    tab_to(driver, "a[href='/kommun/Ludvika']")
    assert focus_ring(driver) == "solid 3px"
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "a[aria-label='Rätta fråga 5 i 2026-10']")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "#impact")
    press(driver, "4")  # a focused list picks the option its text begins with
    tab_to(driver, "#reason")
    with navigates(driver):
        press(driver, REASON, Keys.ENTER)

    assert "Version 2 – rättad av länsstyrelsen" in driver.find_element(By.CSS_SELECTOR, ".version.latest").text
    [line] = audit_lines(site.engine, "corrected")
    assert (line.actor, line.after) == (staff, "Fråga 5, påverkan: 4")


def test_leadership_reads_the_picture_without_raw_mail_or_correction(chromium: Chromium, site: LiveSite,
                                                                     leader: str, axe: str) -> None:
    _ludvika_in(site)
    driver = chromium.driver
    sign_in(driver, site, leader, PASSWORD)
    nav = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#nav a")]
    assert nav == ["Läget", "Hämta"]
    assert_accessible(driver, axe, "the board as leadership")

    driver.get(site.url + "/kommun/Ludvika")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Ludvika"
    assert driver.find_elements(By.CSS_SELECTOR, "a.download, a[href*='rattelse']") == []
    assert_accessible(driver, axe, "a municipality's history as leadership")
    driver.get(site.url + "/kommun/Orsa")
    assert_accessible(driver, axe, "the history of a municipality with no reports")
    driver.get(site.url + "/hamta")
    assert driver.find_elements(By.ID, "form-form") == []  # no forms for leadership
    assert_accessible(driver, axe, "the downloads page as leadership")
    driver.get(site.url + "/logg")
    assert "får inte se" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text

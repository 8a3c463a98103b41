"""The flows the other keyboard tests leave out, in Chromium with Tab, typing, Space and Enter
only, on SQLite and PostgreSQL: drop a quarantined mail with a reason, download the year's
workbook, filter the audit log by clerk, and sign out.
"""

from __future__ import annotations

from datetime import timedelta

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.browser.browser import (
    Chromium,
    LiveSite,
    assert_accessible,
    downloaded,
    keyboard_sign_in,
    navigates,
    press,
    tab_to,
)
from tests.web.conftest import NOW, PASSWORD
from tests.web.desk import audit_lines, deliver, message


def test_the_keyboard_alone_drops_downloads_filters_the_log_and_signs_out(chromium: Chromium, site: LiveSite,
                                                                         staff: str, axe: str) -> None:
    eml = mails.build_mail("privat@example.org", "Lägesbild Rättvik", "Hej!",
                           [("Rättvik.docx", mails.form_docx("Rättvik", 2026, 10), mails.DOCX_TYPE)],
                           message_id="<k1@example.org>")
    outcome, raw_id = deliver(site.engine, site.config, eml, "k1", NOW - timedelta(hours=2))
    assert outcome is Outcome.QUARANTINED
    driver = chromium.driver
    keyboard_sign_in(driver, site, staff, PASSWORD)

    assert_accessible(driver, axe, "the board as staff, its counts linked")
    # Drop: from the board's count of quarantined mail to the message, a reason typed, Enter on the button.
    assert driver.find_element(By.ID, "quarantined").text == "1"
    tab_to(driver, "p.counts a[href='/karantan']")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, f"#message-{raw_id} th a")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "#orsak")
    press(driver, "skräppost")
    tab_to(driver, "#drop")
    with navigates(driver):
        press(driver, Keys.ENTER)
    assert driver.find_elements(By.ID, "empty")
    assert message(site.engine, raw_id).outcome is Outcome.DROPPED
    [dropped] = audit_lines(site.engine, "dropped")
    assert dropped.actor == staff

    # The workbook: the year typed over the one shown, Enter on the button, the file arrives whole.
    tab_to(driver, "#nav a[href='/hamta']")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "#ar")
    press(driver, "2026")  # Tab into a field selects its text: typing replaces the year shown
    tab_to(driver, "#get-workbook")
    press(driver, Keys.ENTER)
    [path] = list(downloaded(chromium.downloads))
    assert path.name == f"Lägesbild {site.config.county.name} 2026.xlsx"
    assert openpyxl.load_workbook(path).worksheets

    # The log, filtered by the clerk: a focused list picks the option its text begins with.
    tab_to(driver, "#nav a[href='/logg']")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "#aktor")
    press(driver, staff)
    tab_to(driver, "#loggfilter button[type=submit]")
    with navigates(driver):
        press(driver, Keys.ENTER)
    assert f"aktor={staff}" in driver.current_url
    actors = {r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.log tbody td.actor")}
    events = [r.get_attribute("data-event") for r in driver.find_elements(By.CSS_SELECTOR, "table.log td.event")]
    assert actors == {staff} and "dropped" in events

    # Signing out: Enter on the header's button ends the session.
    tab_to(driver, "header button[type=submit]")
    with navigates(driver):
        press(driver, Keys.ENTER)
    assert driver.current_url.endswith("/logga-in")
    driver.get(site.url + "/karantan")
    assert driver.current_url.endswith("/logga-in")  # signed out: the page sends the browser to sign in

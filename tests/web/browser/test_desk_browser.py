"""The staff's desk in Chromium, on SQLite and PostgreSQL, each page checked with axe-core:
release from quarantine to another municipality than the form names (the warning, and the
confirmation the browser itself insists on), release after the confidentiality review, retry a
parked message, remind a municipality by hand, and the accounts page of an admin.
"""

from __future__ import annotations

from datetime import timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from flow.accounts import Role, add_user
from flow.review_desk import held_reports
from ground.refs import MessageRef
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Answer, Period
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.browser.browser import (
    Chromium,
    LiveSite,
    assert_accessible,
    keyboard_sign_in,
    navigates,
    press,
    sign_in,
    tab_to,
)
from tests.web.conftest import NOW, PASSWORD
from tests.web.desk import audit_lines, deliver, message, outbox

OCT = Period(2026, 10)
STRANGER = "privat@example.org"
PNR = "19121212-1212"


def _quarantined(site: LiveSite) -> int:
    """A mail with Rättvik's form from an unknown sender, held in quarantine; its id."""
    eml = mails.build_mail(STRANGER, "Lägesbild Rättvik", "Hej, här är Rättviks rapport.",
                           [("Rättvik.docx", mails.form_docx("Rättvik", 2026, 10), mails.DOCX_TYPE)],
                           message_id="<q1@example.org>")
    outcome, raw_id = deliver(site.engine, site.config, eml, "q1", NOW - timedelta(hours=2))
    assert outcome is Outcome.QUARANTINED
    return raw_id


def _held(site: LiveSite) -> int:
    """Mora's October report held for review (a comment names a person by identity number); its id."""
    form = default_form()
    answers = dict(sample_answers(form, "Mora", OCT, 0))
    answers[2] = Answer(3, f"Hot mot personal; anmälan gäller {PNR}, uppföljning pågår.")
    eml = mails.build_mail("samordnare@mora.se", "Lägesbild oktober Mora", "Hej!",
                           [("Mora oktober.docx", template_docx(form, "Mora", OCT, answers), mails.DOCX_TYPE)],
                           message_id="<h1@mora.se>")
    deliver(site.engine, site.config, eml, "h1")
    [held] = held_reports(site.engine, site.config)
    return held.id


def _parked(site: LiveSite, sender: str) -> int:
    """Ludvika's October mail that the worker gave up on after one try (parked, its bytes kept); its id."""
    eml = mails.build_mail(sender, "Lägesbild oktober", "Hej!",
                           [("Ludvika.docx", mails.form_docx("Ludvika", 2026, 10), mails.DOCX_TYPE)],
                           message_id="<f1@ludvika.se>")
    with transaction(site.engine) as s:
        return repo.record_failure(s, MessageRef("maildir:/test", 0, "f1"), eml, NOW - timedelta(hours=1),
                                   "OperationalError: disk I/O error", NOW - timedelta(minutes=30), 1,
                                   county=site.config.county.code, sender=sender,
                                   subject="Lägesbild oktober").raw_id


def _open(chromium: Chromium, site: LiveSite, staff: str, nav: str) -> None:
    """Sign in as `staff` and open a page from the navigation by its link text."""
    driver = chromium.driver
    sign_in(driver, site, staff, PASSWORD)
    with navigates(driver):
        driver.find_element(By.XPATH, f"//nav[@id='nav']//a[normalize-space()='{nav}']").click()


def test_release_from_quarantine_warns_when_the_form_names_another_municipality(
        chromium: Chromium, site: LiveSite, staff: str, axe: str) -> None:
    raw_id = _quarantined(site)
    driver = chromium.driver
    _open(chromium, site, staff, "Karantän")
    assert_accessible(driver, axe, "the quarantine list")

    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, f"#message-{raw_id} th a").click()
    assert driver.find_element(By.CSS_SELECTOR, "strong.form-municipality").text == "Rättvik"
    assert_accessible(driver, axe, "a quarantined message")
    Select(driver.find_element(By.ID, "kommun")).select_by_visible_text("Orsa")
    with navigates(driver):
        driver.find_element(By.ID, "preview").click()
    warning = driver.find_element(By.ID, "warning")
    assert "formuläret anger Rättvik, inte Orsa" in warning.text
    assert_accessible(driver, axe, "the release preview with its warning")

    driver.find_element(By.ID, "release").click()  # unconfirmed: the required box stops the form here
    assert driver.execute_script("return document.getElementById('bekrafta').validity.valueMissing")
    assert message(site.engine, raw_id).outcome is Outcome.QUARANTINED
    driver.find_element(By.ID, "bekrafta").click()
    with navigates(driver):
        driver.find_element(By.ID, "release").click()

    assert f"Meddelande {raw_id} släppt till Orsa" in driver.find_element(By.ID, "note").text
    assert driver.find_elements(By.ID, "empty")
    assert_accessible(driver, axe, "the quarantine list after a release")
    assert (message(site.engine, raw_id).outcome, message(site.engine, raw_id).municipality) == (Outcome.STORED, "Orsa")
    [line] = audit_lines(site.engine, "released")
    assert (line.actor, line.municipality) == (staff, "Orsa")
    driver.get(f"{site.url}/karantan/{raw_id}")  # released: no longer here
    assert driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert_accessible(driver, axe, "a quarantined message that is no longer there (404)")


def test_a_quarantined_mail_is_dropped_with_a_reason(chromium: Chromium, site: LiveSite, staff: str,
                                                     axe: str) -> None:
    raw_id = _quarantined(site)
    driver = chromium.driver
    sign_in(driver, site, staff, PASSWORD)
    driver.get(f"{site.url}/karantan/{raw_id}")

    driver.find_element(By.ID, "orsak").send_keys("skräppost")
    with navigates(driver):
        driver.find_element(By.ID, "drop").click()

    assert driver.find_elements(By.ID, "empty")
    assert_accessible(driver, axe, "the quarantine list after a drop")
    assert message(site.engine, raw_id).outcome is Outcome.DROPPED


def test_a_held_report_is_released_after_review(chromium: Chromium, site: LiveSite, staff: str, axe: str) -> None:
    held = _held(site)
    driver = chromium.driver
    _open(chromium, site, staff, "Granskning")

    assert driver.find_element(By.CSS_SELECTOR, f"#held-{held} mark[title=personnummer]").text == PNR
    assert_accessible(driver, axe, "the review page")
    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, f"#release-{held} button").click()

    assert "Mora 2026-10 version 1 är släppt" in driver.find_element(By.ID, "note").text
    assert_accessible(driver, axe, "the review page after a release")
    assert held_reports(site.engine, site.config) == []
    [line] = audit_lines(site.engine, "released_after_review")
    assert (line.actor, line.municipality) == (staff, "Mora")


def test_asking_for_a_version_without_personal_data(chromium: Chromium, site: LiveSite, staff: str,
                                                    axe: str) -> None:
    held = _held(site)
    driver = chromium.driver
    _open(chromium, site, staff, "Granskning")

    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, f"#ask-{held} button").click()

    assert driver.find_element(By.ID, f"asked-{held}").text == "Kommunen har ombetts skicka en ny version."
    assert_accessible(driver, axe, "the review page after asking for a new version")
    assert [m.to_addrs for m in outbox(site.engine) if "mora.se" in ",".join(m.to_addrs)]


def test_a_parked_message_is_retried_from_the_errors_page(chromium: Chromium, site: LiveSite, staff: str,
                                                          axe: str) -> None:
    sender = "samordnare@ludvika.se"
    parked = _parked(site, sender)
    driver = chromium.driver
    _open(chromium, site, staff, "Fel")

    assert "disk I/O error" in driver.find_element(By.CSS_SELECTOR, f"#failed-{parked} td.error-text").text
    assert_accessible(driver, axe, "the errors page")
    with navigates(driver):
        driver.find_element(By.ID, f"retry-{parked}").click()

    assert f"Meddelande {parked} är behandlat" in driver.find_element(By.ID, "note").text
    assert_accessible(driver, axe, "the errors page after a retry")
    assert message(site.engine, parked).outcome is Outcome.STORED
    assert [list(m.to_addrs) for m in outbox(site.engine) if m.kind == "receipt"] == [[sender]]
    assert audit_lines(site.engine, "retried")[0].actor == staff


def test_a_municipality_is_reminded_by_hand(chromium: Chromium, site: LiveSite, staff: str, axe: str) -> None:
    driver = chromium.driver
    sign_in(driver, site, staff, PASSWORD)
    driver.get(site.url + "/paminnelser?period=2026-10")
    assert_accessible(driver, axe, "the reminders page")

    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "button[aria-label='Påminn nu: Orsa']").click()

    assert "till Orsa ligger i utkorgen" in driver.find_element(By.ID, "note").text
    assert_accessible(driver, axe, "the reminders page after a reminder")
    [mail] = [m for m in outbox(site.engine) if m.kind == "reminder"]
    assert list(mail.to_addrs) == ["samordnare@orsa.se"]
    assert audit_lines(site.engine, "reminded_by_hand")[0].actor == staff


def test_the_accounts_page_of_an_admin(chromium: Chromium, site: LiveSite, axe: str) -> None:
    add_user(site.engine, "admin", Role.ADMIN, site.config.county.code, PASSWORD, NOW)
    driver = chromium.driver
    sign_in(driver, site, "admin", PASSWORD)

    with navigates(driver):
        driver.find_element(By.LINK_TEXT, "Konton").click()

    assert driver.find_element(By.TAG_NAME, "h1").text
    assert_accessible(driver, axe, "the accounts page")


def test_the_keyboard_alone_releases_past_the_warning(chromium: Chromium, site: LiveSite, staff: str) -> None:
    raw_id = _quarantined(site)
    driver = chromium.driver
    keyboard_sign_in(driver, site, staff, PASSWORD)

    tab_to(driver, "#nav a[href='/karantan']")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, f"#message-{raw_id} th a")
    with navigates(driver):
        press(driver, Keys.ENTER)
    tab_to(driver, "#kommun")
    press(driver, "Orsa")  # typing picks the municipality in the focused list
    tab_to(driver, "#preview")
    with navigates(driver):
        press(driver, Keys.ENTER)
    assert driver.find_element(By.ID, "warning").is_displayed()
    tab_to(driver, "#bekrafta")
    press(driver, Keys.SPACE)
    tab_to(driver, "#release")
    with navigates(driver):
        press(driver, Keys.ENTER)

    assert f"Meddelande {raw_id} släppt till Orsa" in driver.find_element(By.ID, "note").text
    assert message(site.engine, raw_id).municipality == "Orsa"


def test_the_keyboard_alone_reviews_retries_and_reminds(chromium: Chromium, site: LiveSite, staff: str) -> None:
    held = _held(site)
    parked = _parked(site, "samordnare@ludvika.se")
    driver = chromium.driver
    keyboard_sign_in(driver, site, staff, PASSWORD)

    for page, button in (("/granskning", f"#release-{held} button"), ("/fel", f"#retry-{parked}"),
                         ("/paminnelser", "button[aria-label='Påminn nu: Orsa']")):
        tab_to(driver, f"#nav a[href='{page}']")
        with navigates(driver):
            press(driver, Keys.ENTER)
        tab_to(driver, button)
        with navigates(driver):
            press(driver, Keys.ENTER)
        assert driver.find_element(By.ID, "note").text, f"no note after the action on {page}"

    assert held_reports(site.engine, site.config) == []
    assert message(site.engine, parked).outcome is Outcome.STORED
    assert [line.actor for line in audit_lines(site.engine, "reminded_by_hand")] == [staff]

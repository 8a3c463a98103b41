"""Läget's group and county rows and the year view in Chromium: axe-core finds nothing serious,
and the keyboard alone goes from the board to the year, picks a question and opens a history."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from flow.operations import import_file
from parsers import parse_bytes
from parsers.result import Period
from tests.builders import mail as mails
from tests.web.browser.browser import Chromium, LiveSite, assert_accessible, navigates, sign_in, tab_to
from tests.web.conftest import NOW, PASSWORD


def test_the_year_view_is_accessible_and_reached_by_keyboard(chromium: Chromium, site: LiveSite, leader: str,
                                                             axe: str) -> None:
    for town, seed in (("Ludvika", 1), ("Smedjebacken", 2), ("Mora", 3)):
        import_file(site.engine, site.config, mails.form_docx(town, 2026, 10, seed=seed), f"{town}.docx", town,
                    Period(2026, 10), NOW, parse=parse_bytes)
    driver = chromium.driver
    driver.get(site.url + "/")
    sign_in(driver, site, leader, PASSWORD)
    driver.get(site.url + "/?period=2026-10")
    county = driver.find_element(By.XPATH, f"//tr[th[normalize-space()='{site.config.county.name}']]")
    assert "medelvärde" in county.text
    assert_accessible(driver, axe, "the board with groups and the county mean")

    tab_to(driver, "#year-view")
    with navigates(driver):
        driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Året 2026"
    assert_accessible(driver, axe, "the year view")
    october = driver.find_element(By.XPATH, "//tr[th[normalize-space()='Ludvika']]/td[10]")
    assert october.text.isdigit()

    tab_to(driver, "#fraga")
    driver.switch_to.active_element.send_keys(Keys.DOWN)
    tab_to(driver, "form.inline button[type=submit]")
    with navigates(driver):
        driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert "fraga=" in driver.current_url
    assert_accessible(driver, axe, "the year view of one question")

    tab_to(driver, "a[href='/kommun/Ludvika?ar=2026']", limit=400)  # past the rows above it
    with navigates(driver):
        driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert driver.current_url.endswith("/kommun/Ludvika?ar=2026")

"""Sign-in and Läget in Chromium, on SQLite and PostgreSQL: the form, the board, switching period,
the keyboard alone, axe-core on every page, and a `<script>` in a comment kept inert by the CSP.
"""

from __future__ import annotations

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from flow.accounts import Role, add_user
from flow.operations import import_file
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Answer, Period
from tests.builders import mail as mails
from tests.web.browser.browser import (
    Chromium,
    LiveSite,
    assert_accessible,
    axe_violations,
    console_errors,
    describe,
    focus_ring,
    navigates,
    serious,
    sign_in,
    tab_to,
)
from tests.web.conftest import NOW, PASSWORD


def _file(site: LiveSite, town: str, data: bytes, period: Period) -> None:
    import_file(site.engine, site.config, data, f"{town}.docx", town, period, NOW, parse=parse_bytes)


def _row(driver: WebDriver, municipality: str) -> list[str]:
    row = driver.find_element(By.XPATH, f"//tbody/tr[th[normalize-space()='{municipality}']]")
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def test_sign_in_shows_the_board_and_switching_period_moves_it(chromium: Chromium, site: LiveSite, leader: str,
                                                                axe: str) -> None:
    _file(site, "Ludvika", mails.form_docx("Ludvika", 2026, 10, seed=1), Period(2026, 10))
    driver = chromium.driver

    driver.get(site.url + "/")
    assert driver.current_url.endswith("/logga-in")  # not signed in: to the sign-in page
    assert_accessible(driver, axe, "the sign-in page")
    sign_in(driver, site, leader, PASSWORD)

    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-11"
    assert_accessible(driver, axe, "the board")
    with navigates(driver):
        driver.find_element(By.PARTIAL_LINK_TEXT, "2026-10").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-10"
    assert driver.current_url.endswith("/?period=2026-10")
    expected = mails.form_answers("Ludvika", 2026, 10, seed=1)
    levels = [str(a.impact) if a.impact is not None else "–"
              for n, a in sorted(expected.items()) if n in {q.number for q in default_form().questions if q.impact}]
    cells = _row(driver, "Ludvika")
    assert cells[0] in {"i tid", "sen"} and cells[1:1 + len(levels)] == levels
    assert _row(driver, "Orsa")[0] == "saknas"
    assert_accessible(driver, axe, "the board with a report")

    month = driver.find_element(By.ID, "period")
    month.clear()
    with navigates(driver):
        month.send_keys("2026-09", Keys.ENTER)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-09"
    assert _row(driver, "Ludvika")[0] == "saknas"


def test_a_wrong_password_is_told_and_errors_are_accessible(chromium: Chromium, site: LiveSite, leader: str,
                                                           axe: str) -> None:
    driver = chromium.driver
    sign_in(driver, site, leader, "fel lösenord, helt fel")

    assert driver.find_element(By.CSS_SELECTOR, "[role=alert]").text == "Fel namn eller lösenord."
    assert_accessible(driver, axe, "the sign-in page with an error")
    sign_in(driver, site, leader, PASSWORD)
    driver.get(site.url + "/?period=oktober")
    assert "ÅÅÅÅ-MM" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert_accessible(driver, axe, "the error page")


def test_another_countys_account_gets_an_accessible_refusal(chromium: Chromium, site: LiveSite, axe: str) -> None:
    add_user(site.engine, "granne", Role.LEADERSHIP, "99", PASSWORD, NOW)
    driver = chromium.driver
    sign_in(driver, site, "granne", PASSWORD)

    assert "får inte se" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert_accessible(driver, axe, "the refusal (403)")


def test_the_keyboard_alone_signs_in_and_moves_between_months(chromium: Chromium, site: LiveSite,
                                                               leader: str) -> None:
    driver = chromium.driver
    driver.get(site.url + "/logga-in")

    tab_to(driver, "#name")
    assert focus_ring(driver) == "solid 3px", "the name field's focus is not the page's :focus-visible ring"
    ActionChains(driver).send_keys(leader).perform()
    tab_to(driver, "#password")
    with navigates(driver):
        ActionChains(driver).send_keys(PASSWORD, Keys.ENTER).perform()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-11"

    tab_to(driver, "a[href='/?period=2026-10']")
    assert focus_ring(driver) == "solid 3px", "a link's focus is not the page's :focus-visible ring"
    with navigates(driver):
        ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-10"

    tab_to(driver, "#period")
    with navigates(driver):
        ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL) \
            .send_keys("2026-08", Keys.ENTER).perform()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Läget 2026-08"

    tab_to(driver, "header button[type=submit]")  # sign out, by keyboard too
    with navigates(driver):
        ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.current_url.endswith("/logga-in")


def test_a_script_in_a_comment_stays_inert(chromium: Chromium, site: LiveSite, leader: str, axe: str) -> None:
    form, period = default_form(), Period(2026, 10)
    answers = dict(sample_answers(form, "Mora", period, 0))
    first, second = [q.number for q in form.questions if q.impact][:2]
    script = "<script>document.title='pwned'</script>"
    image = "<img src=x onerror=\"document.title='pwned-img'\">"
    answers[first] = Answer(3, f"Inbrott {script} i centrum")
    answers[second] = Answer(2, f"Bild {image} här")
    _file(site, "Mora", template_docx(form, "Mora", period, answers), period)
    driver = chromium.driver
    sign_in(driver, site, leader, PASSWORD)
    console_errors(driver)  # drop what the sign-in logged

    driver.get(site.url + "/?period=2026-10")
    driver.find_element(By.XPATH, "//summary[normalize-space()='Mora']").click()

    assert driver.title.startswith("Läget 2026-10")
    comments = driver.find_element(By.XPATH, "//details[summary[normalize-space()='Mora']]").text
    assert script in comments and image in comments  # shown as the text it is
    assert driver.find_elements(By.CSS_SELECTOR, "main script, main img") == []
    try:
        alert = driver.switch_to.alert
        raise AssertionError(f"an alert opened: {alert.text}")
    except NoAlertPresentException:
        pass
    assert console_errors(driver) == []
    assert_accessible(driver, axe, "the board with comments")

    # Were escaping ever to fail, the CSP is the second wall: an inline script put into the
    # page does not run, and the browser says why.
    driver.execute_script(
        "const s = document.createElement('script'); s.textContent = \"document.title='pwned'\";"
        "document.body.appendChild(s);"
        "const i = document.createElement('img'); i.src = 'x'; i.setAttribute('onerror', \"document.title='pwned'\");"
        "document.body.appendChild(i);")
    driver.execute_async_script("setTimeout(arguments[arguments.length - 1], 300)")
    assert driver.title.startswith("Läget 2026-10")
    refused = console_errors(driver)
    assert any("Content Security Policy" in line for line in refused), refused


def test_axe_runs_under_the_pages_csp_and_finds_a_missing_label(chromium: Chromium, site: LiveSite,
                                                                 axe: str) -> None:
    driver = chromium.driver
    driver.get(site.url + "/logga-in")
    assert_accessible(driver, axe, "the sign-in page")

    driver.execute_script("document.querySelector(\"label[for='password']\").remove()")

    found = serious(axe_violations(driver, axe))
    assert [v["id"] for v in found] == ["label"], describe(found)

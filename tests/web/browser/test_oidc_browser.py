"""Entra ID sign-in in Chromium against node-oidc-provider on another site (localhost vs 127.0.0.1):
the session cookie is SameSite=Strict, so this is where a cookie held back on the way home would show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store.db import make_engine, migrate
from tests.support import clock, oidc_provider
from tests.web.browser.browser import Chromium, Clock, LiveSite, assert_accessible, free_port, navigates, sign_in
from tests.web.conftest import NOW
from tests.web.test_oidc import entra_config


@pytest.fixture(scope="module")
def entra_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The app on 127.0.0.1 signing in at a provider whose issuer is http://localhost:PORT."""
    clock.skip_if_clock_ahead("the OpenID provider (node) signs tokens with the real clock")
    reason = oidc_provider.unavailable()
    if reason:
        pytest.skip(reason)
    port = free_port()
    with oidc_provider.running(f"http://127.0.0.1:{port}/oidc/callback", host="localhost") as provider:
        engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('store')) / 'lagesbild.db'}")
        migrate(engine)
        live = LiveSite(entra_config(provider), engine, Clock(NOW))
        live.start(port)
        yield live
        live.stop()
        engine.dispose()


def test_staff_sign_in_with_microsoft_in_a_browser_and_land_on_the_board(chromium: Chromium, axe: str,
                                                                         entra_site: LiveSite) -> None:
    driver = chromium.driver
    driver.delete_all_cookies()
    driver.get(entra_site.url + "/logga-in")
    assert_accessible(driver, axe, "the sign-in page with Microsoft and local accounts")
    with navigates(driver):
        driver.find_element(By.LINK_TEXT, "Logga in med Microsoft").click()
    assert driver.current_url.startswith("http://localhost:")  # at the provider, another site
    driver.find_element(By.NAME, "login").send_keys("anna")
    with navigates(driver):
        driver.find_element(By.TAG_NAME, "button").click()  # login
    with navigates(driver):
        driver.find_element(By.TAG_NAME, "button").click()  # consent

    # Back at the page: the callback answers, and its refresh takes the browser on to Läget signed in.
    WebDriverWait(driver, 15).until(lambda d: d.current_url == entra_site.url + "/")
    WebDriverWait(driver, 15).until(lambda d: "Läget" in d.find_element(By.TAG_NAME, "h1").text)
    assert "anna@lansstyrelsen.example" in driver.find_element(By.TAG_NAME, "header").text
    driver.get(entra_site.url + "/")  # and the session holds on the next visit
    assert "Läget" in driver.find_element(By.TAG_NAME, "h1").text


def test_an_admin_adds_an_account_on_konton_with_the_keyboard(chromium: Chromium, axe: str, site: LiveSite) -> None:
    from selenium.webdriver.common.keys import Keys

    from flow.accounts import Role, add_user, check_user
    from tests.web.conftest import PASSWORD

    add_user(site.engine, "admin", Role.ADMIN, site.config.county.code, PASSWORD, NOW)
    driver = chromium.driver
    sign_in(driver, site, "admin", PASSWORD)
    driver.get(site.url + "/konton")
    assert_accessible(driver, axe, "Konton")

    driver.find_element(By.ID, "name").send_keys("erik")
    driver.find_element(By.ID, "role").send_keys("ledning")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    with navigates(driver):
        driver.find_element(By.ID, "password2").send_keys(PASSWORD + Keys.ENTER)

    assert "Kontot erik (ledning) är skapat." in driver.find_element(By.CSS_SELECTOR, "[role=status]").text
    account = check_user(site.engine, "erik", PASSWORD)
    assert account is not None and account.role is Role.LEADERSHIP
    assert_accessible(driver, axe, "Konton after adding an account")

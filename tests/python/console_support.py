"""Support for the console's browser tests: the real server's management API
(with the tenant admin client's token), a headless Chromium (Debian's
package, driven by Selenium), axe-core injected from the npm package pinned
in tests/browser/, screenshots and timings.

Everything comes from the environment that tests/api/console_browser.rs
sets; nothing is downloaded at run time (SE_OFFLINE, explicit driver path).
"""

import json
import os
import pathlib
import tempfile
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["REGISTRAR_BASE_URL"]
ADMIN_ID = os.environ["REGISTRAR_ADMIN_ID"]
ADMIN_SECRET = os.environ["REGISTRAR_ADMIN_SECRET"]
CONSOLE_URL = os.environ["REGISTRAR_CONSOLE_URL"]
ADMIN_EMAIL = os.environ["REGISTRAR_ADMIN_EMAIL"]
USER_EMAIL = os.environ["REGISTRAR_USER_EMAIL"]
PASSWORD = os.environ["REGISTRAR_USER_PASSWORD"]
AXE = pathlib.Path(os.environ["REGISTRAR_AXE"])
OUT = pathlib.Path(os.environ["REGISTRAR_CONSOLE_OUT"])
SCREENSHOTS = os.environ.get("REGISTRAR_SCREENSHOTS", "")
CHROMIUM = os.environ.get("REGISTRAR_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REGISTRAR_CHROMEDRIVER", "/usr/bin/chromedriver")

WIDTH, HEIGHT = 1280, 860
CLIENTS = BASE + "/api/core/oauth-clients"


class Api:
    """The management API as the tenant admin client (client_credentials)."""

    def __init__(self):
        self.token = None
        self.http = requests.Session()

    def _token(self):
        res = self.http.post(
            BASE + "/oauth/token", auth=(ADMIN_ID, ADMIN_SECRET), data={"grant_type": "client_credentials"}, timeout=10
        )
        assert res.status_code == 200, res.text
        return res.json()["access_token"]

    def call(self, method, path, **kw):
        for _ in range(2):
            if self.token is None:
                self.token = self._token()
            headers = {"Authorization": "Bearer " + self.token, **kw.pop("headers", {})}
            res = self.http.request(method, BASE + path, headers=headers, timeout=30, **kw)
            if res.status_code != 401:
                return res
            self.token = None
        return res

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def client(self, client_id):
        res = self.get("/api/core/oauth-clients/" + client_id)
        return res.status_code, (res.json() if res.content else None)

    def clients(self, query=""):
        res = self.get("/api/core/oauth-clients?" + query)
        assert res.status_code == 200, res.text
        return res.json()

    def find_client(self, name):
        body = self.clients("totalResults=true&limit=100&filter=" + requests.utils.quote(f'clientName eq {json.dumps(name)}'))
        return body["data"]

    def create_client(self, body):
        res = self.call("POST", "/api/core/oauth-clients", json=body)
        assert res.status_code == 201, res.text
        return res.json()

    def find_user(self, email):
        res = self.get("/api/core/users?filter=" + requests.utils.quote(f"email eq {json.dumps(email)}"))
        assert res.status_code == 200, res.text
        return res.json()["data"]


def new_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="registrar-console-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WIDTH},{HEIGHT}",
        "--user-data-dir=" + profile,
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    theme(driver, "light")
    # The copy buttons write to the clipboard; a test reads it back.
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": BASE, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    return driver


def theme(driver, scheme):
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


def width(driver, px):
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": px, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": px < 500}
    )


def wait(driver, condition, timeout=15):
    # A page that navigates away under a script makes the script fail: retry.
    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(condition)


def heading(driver, text, timeout=15):
    """Waits until the page's h1 reads exactly `text`."""
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == text, timeout)
    return driver.find_element(By.CSS_SELECTOR, "main h1")


def sign_in(driver, email, password=PASSWORD):
    """Fills the server's sign-in page by its fixed input names."""
    wait(driver, ec.presence_of_element_located((By.NAME, "password")))
    box = driver.find_element(By.NAME, "email")
    box.clear()
    box.send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def go(driver, path):
    """Opens a console address in a fresh document (the server's session signs
    in again without a form) and waits for the first view."""
    driver.get(BASE + path)
    try:
        wait(driver, lambda d: d.execute_script(
            "return location.pathname.startsWith('/console/') && !location.search.includes('code=') "
            "&& performance.getEntriesByName('registrar:first-view').length > 0"))
    except TimeoutException:
        raise AssertionError(f"{path}: no first view; at {driver.current_url}: {driver.find_element(By.TAG_NAME, 'body').text[:500]!r}")


def click_link(driver, text):
    driver.find_element(By.LINK_TEXT, text).click()


def axe(driver, label):
    """Runs axe-core (WCAG 2.0/2.1 A and AA) on the page; fails on any violation."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},"
        " resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' ' + (n.failureSummary || ''))}))),"
        " e => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )
    assert result == [], f"axe violations on {label}: {json.dumps(result, indent=1)}"
    AXED.add(label)


AXED = set()


def screenshot(driver, name):
    """A PNG of the page at the fixed size, for docs/console/ (light theme)."""
    if not SCREENSHOTS:
        return
    folder = pathlib.Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    time.sleep(0.2)
    driver.save_screenshot(str(folder / f"{name}.png"))


def record(name, value):
    """Appends a figure to the run's results file (read by bench/console.sh)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("a") as f:
        f.write(json.dumps({"name": name, "value": value}) + "\n")

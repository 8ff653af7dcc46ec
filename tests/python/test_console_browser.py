"""The web console in a real browser (headless Chromium from Debian's
packages, through Selenium) against a real server: sign-in, every action on
clients with the API's state checked after each, pagination over 150
clients, the secret-once rule, validation errors beside their field, users,
the audit log, keyboard use, axe-core on every page in both themes and at
360 px, sign-out, and a non-admin refused with a clear page.

One browser for the whole module: the tests run in file order and each
starts where the previous one left the console. Run by
tests/api/console_browser.rs.
"""

import json
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from console_support import (
    ADMIN_EMAIL, AXED, BASE, CONSOLE_URL, HEIGHT, PASSWORD, USER_EMAIL, Api, axe, go, heading, new_driver,
    record, screenshot, sign_in, theme, wait, width,
)

BULK = 150


@pytest.fixture(scope="module")
def driver():
    d = new_driver()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def api():
    return Api()


def rows(driver):
    """The names in the clients table, in order."""
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr td:first-child a")]


def page_loaded_marker(driver):
    driver.execute_script("window.__sameDocument = true")


def still_same_document(driver):
    return driver.execute_script("return window.__sameDocument === true")


def test_sign_in_with_the_console_url_lands_on_the_clients(driver, api):
    started = time.monotonic()
    driver.get(CONSOLE_URL)
    wait(driver, lambda d: "/oauth/" in d.current_url or d.find_elements(By.NAME, "password"))
    sign_in(driver, ADMIN_EMAIL)
    heading(driver, "Clients")
    assert driver.current_url == BASE + "/console/clients", "back on the route, code and state gone"
    assert "Registrar console" in rows(driver)
    assert driver.find_element(By.ID, "sign-out").is_displayed()
    record("first sign-in, console URL to clients list (s)", round(time.monotonic() - started, 3))
    # Nothing of the tokens is left in storage or cookies.
    stored = driver.execute_script(
        "return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])")
    assert "eyJ" not in stored, f"no JWT in web storage or cookies: {stored}"


def test_first_screen_timing_on_reload(driver):
    figures = []
    for _ in range(5):
        started = time.monotonic()
        go(driver, "/console/clients")
        wall = time.monotonic() - started
        t = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "const m = performance.getEntriesByName('registrar:first-view')[0];"
            "return {redirect: n.redirectEnd - n.redirectStart, interactive: n.domInteractive,"
            " firstView: m.startTime};")
        t["wall"] = wall * 1000
        figures.append(t)
    best = {k: round(min(f[k] for f in figures), 1) for k in figures[0]}
    median = {k: round(sorted(f[k] for f in figures)[len(figures) // 2], 1) for k in figures[0]}
    record("reload to first view (ms, median of 5)", median)
    record("reload to first view (ms, best of 5)", best)
    assert median["firstView"] > 0
    # The baseline in the same run: the server's built-in Swagger UI page.
    docs = []
    for _ in range(5):
        started = time.monotonic()
        driver.get(BASE + "/docs/")
        wait(driver, lambda d: d.execute_script("return document.readyState === 'complete'"))
        n = driver.execute_script("const n = performance.getEntriesByType('navigation')[0];"
                                  "return {interactive: n.domInteractive, load: n.loadEventEnd};")
        n["wall"] = (time.monotonic() - started) * 1000
        docs.append(n)
    record("baseline: Swagger UI at /docs/ (ms, median of 5)",
           {k: round(sorted(f[k] for f in docs)[len(docs) // 2], 1) for k in docs[0]})


def test_clients_pagination_over_150_clients(driver, api):
    for i in range(BULK):
        api.create_client({"appType": ["spa", "native", "web"][i % 3], "clientName": f"Bulk {i:03d}",
                           **({"redirectUris": ["https://bulk.example/cb"]} if i % 3 == 0 else {})})
    go(driver, "/console/clients?search=Bulk&sort=%2BclientName")
    heading(driver, "Clients")
    assert driver.find_element(By.ID, "total").text == f"{BULK} clients"
    seen = []
    pages = 0
    while True:
        pages += 1
        current = rows(driver)
        assert 0 < len(current) <= 20
        seen += current
        if pages == 3:
            page_three = current
            page_three_url = driver.current_url
        nxt = driver.find_elements(By.CSS_SELECTOR, "a[rel=next]")
        if not nxt:
            break
        nxt[0].click()
        wait(driver, lambda d: rows(d) and rows(d) != current)
        assert "next=" in driver.current_url, "the cursor is in the address"
    assert pages == 8
    assert seen == [f"Bulk {i:03d}" for i in range(BULK)], "every client once, in name order"
    # Previous goes back a page; the first page has no previous.
    last = rows(driver)
    driver.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
    wait(driver, lambda d: rows(d) != last)
    assert rows(driver) == seen[120:140]
    # The page is in the address: a reload shows it again, and back works.
    driver.get(page_three_url)
    heading(driver, "Clients")
    wait(driver, lambda d: rows(d) == page_three)
    driver.back()
    wait(driver, lambda d: rows(d) == seen[120:140])


def test_search_filter_by_type_and_sort_by_every_column(driver, api):
    go(driver, "/console/clients")
    box = driver.find_element(By.ID, "client-search")
    box.send_keys('Bulk 01')
    Select(driver.find_element(By.ID, "client-type")).select_by_value("native")
    driver.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    wait(driver, lambda d: "appType=native" in d.current_url)
    expected = api.clients("limit=100&totalResults=true&filter=" + requests.utils.quote('clientName co "Bulk 01" and appType eq "native"'))
    wait(driver, lambda d: d.find_element(By.ID, "total").text == f"{expected['totalResults']} clients")
    assert sorted(rows(driver)) == sorted(c["clientName"] for c in expected["data"])
    # A search with quotes and backslashes is escaped, not spliced.
    go(driver, "/console/clients?search=" + requests.utils.quote('a"b\\c'))
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".empty"))
    assert "No client matches" in driver.find_element(By.CSS_SELECTOR, ".empty").text
    # Every sortable column, both ways, in the API's order.
    go(driver, "/console/clients")
    for field in ["clientName", "clientId", "appType", "createdAt", "updatedAt"]:
        for direction in ["+", "-"]:
            link = driver.find_element(By.CSS_SELECTOR, f"th a[data-sort={field}]")
            before = driver.current_url
            link.click()
            wait(driver, lambda d: d.current_url != before)
            sort = requests.utils.unquote(driver.current_url.split("sort=")[1].split("&")[0])
            assert sort == direction + field, f"{driver.current_url}"
            want = "ascending" if direction == "+" else "descending"
            wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"th:has(a[data-sort={field}])").get_attribute("aria-sort") == want)
            api_names = [c["clientName"] for c in api.clients("limit=20&sort=" + requests.utils.quote(sort))["data"]]
            wait(driver, lambda d: rows(d) == api_names)


def test_create_shows_only_the_fields_of_the_type_and_the_apis_error_beside_its_field(driver, api):
    go(driver, "/console/clients/new")
    heading(driver, "New client")
    kind = Select(driver.find_element(By.ID, "f-appType"))
    shown = lambda name: driver.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]').is_displayed()
    kind.select_by_value("native")
    assert not shown("allowedOrigins") and not shown("allowedGrantTypes") and not shown("allowedAuthMethods")
    kind.select_by_value("spa")
    assert shown("allowedOrigins") and not shown("allowedGrantTypes") and not shown("publicKeys")
    kind.select_by_value("web")
    assert shown("allowedGrantTypes") and shown("allowedAuthMethods") and not shown("publicKeys")
    driver.find_element(By.CSS_SELECTOR, 'input[value="private_key_jwt"]').click()
    assert shown("publicKeys")
    driver.find_element(By.CSS_SELECTOR, 'input[value="private_key_jwt"]').click()
    kind.select_by_value("spa")
    driver.find_element(By.ID, "f-clientName").send_keys("Storefront")
    driver.find_element(By.ID, "f-redirectUris").send_keys("https://shop.example/cb\nhttp://shop.example/cb")
    driver.find_element(By.ID, "f-allowedOrigins").send_keys("https://shop.example")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    error = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, '[data-field="redirectUris"] .field-error')))
    assert error.text.startswith("Line 2:"), error.text
    box = driver.find_element(By.ID, "f-redirectUris")
    assert box.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in box.get_attribute("aria-describedby")
    assert driver.switch_to.active_element == box, "focus moves to the field at fault"
    assert api.find_client("Storefront") == [], "nothing was created"
    axe(driver, "new client with a validation error")
    screenshot(driver, "new-client-error")
    box.clear()
    box.send_keys("https://shop.example/cb")
    driver.find_element(By.ID, "f-allowedScopes").send_keys("orders:read orders:write")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    heading(driver, "Storefront")
    [made] = api.find_client("Storefront")
    assert made["appType"] == "spa"
    assert made["redirectUris"] == ["https://shop.example/cb"]
    assert made["allowedOrigins"] == ["https://shop.example"]
    assert made["allowedScopes"] == ["orders:read", "orders:write"]
    assert "clientSecret" not in made and not made.get("clientSecrets")
    assert driver.current_url == BASE + "/console/clients/" + made["clientId"]
    assert not driver.find_elements(By.ID, "new-secret"), "a spa gets no secret"


def test_a_new_web_clients_secret_is_shown_once(driver, api):
    go(driver, "/console/clients/new")
    Select(driver.find_element(By.ID, "f-appType")).select_by_value("web")
    driver.find_element(By.ID, "f-clientName").send_keys("Billing service")
    driver.find_element(By.CSS_SELECTOR, 'input[value="client_credentials"]').click()
    driver.find_element(By.ID, "f-allowedScopes").send_keys("billing:read")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    heading(driver, "Billing service")
    panel = wait(driver, ec.visibility_of_element_located((By.ID, "new-secret")))
    assert "you will not see it again" in panel.text
    secret = driver.find_element(By.ID, "secret-value").text
    assert len(secret) == 64
    panel.find_element(By.CSS_SELECTOR, "button.btn.small").click()
    copied = driver.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert copied == secret, "the copy button put the secret on the clipboard"
    [made] = api.find_client("Billing service")
    assert [s["hint"] for s in made["clientSecrets"]] == [secret[-5:]]
    res = requests.post(BASE + "/oauth/token", auth=(made["clientId"], secret), data={"grant_type": "client_credentials"}, timeout=10)
    assert res.status_code == 200, "the secret shown works"
    axe(driver, "client with a new secret")
    screenshot(driver, "client-secret-once")
    driver.refresh()
    heading(driver, "Billing service")
    wait(driver, lambda d: d.find_elements(By.ID, "secrets"))
    assert not driver.find_elements(By.ID, "new-secret")
    assert secret not in driver.page_source, "after a reload the secret is gone"


def current_client(api, name):
    [c] = api.find_client(name)
    return c


def test_edit_sends_a_json_patch_of_only_what_changed(driver, api):
    before = current_client(api, "Billing service")
    go(driver, f"/console/clients/{before['clientId']}")
    driver.find_element(By.LINK_TEXT, "Edit").click()
    heading(driver, "Edit Billing service")
    axe(driver, "edit client")
    driver.execute_script(
        "window.__patches = []; const f = window.fetch;"
        "window.fetch = (u, i) => { if (i && i.method === 'PATCH') window.__patches.push(JSON.parse(i.body)); return f(u, i); };")
    driver.find_element(By.ID, "f-description").send_keys("Nightly invoices")
    driver.find_element(By.ID, "f-redirectUris").send_keys("https://billing.example/cb")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    heading(driver, "Billing service")
    patches = driver.execute_script("return window.__patches")
    assert patches == [[
        {"op": "add", "path": "/description", "value": "Nightly invoices"},
        {"op": "add", "path": "/redirectUris", "value": ["https://billing.example/cb"]},
    ]], patches
    after = current_client(api, "Billing service")
    assert after["description"] == "Nightly invoices"
    assert after["redirectUris"] == ["https://billing.example/cb"]
    assert after["updatedAt"] > before["updatedAt"]
    assert "Changes saved." in driver.find_element(By.CSS_SELECTOR, ".notice").text


def test_secrets_listed_added_up_to_five_and_deleted(driver, api):
    client = current_client(api, "Billing service")
    go(driver, f"/console/clients/{client['clientId']}")
    for n in range(2, 6):
        driver.find_element(By.ID, "add-secret").click()
        wait(driver, ec.visibility_of_element_located((By.ID, "new-secret")))
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#secrets tbody tr")) == n)
        assert len(current_client(api, "Billing service")["clientSecrets"]) == n
    driver.find_element(By.ID, "add-secret").click()
    error = wait(driver, ec.visibility_of_element_located((By.ID, "secret-error")))
    refused = api.call("POST", f"/api/core/oauth-clients/{client['clientId']}/client-secrets")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["title"] in error.text, "the API's message"
    assert len(current_client(api, "Billing service")["clientSecrets"]) == 5
    screenshot(driver, "client")
    hint = current_client(api, "Billing service")["clientSecrets"][0]["hint"]
    button = driver.find_element(By.CSS_SELECTOR, f'button[data-hint="{hint}"]')
    button.click()
    assert "Confirm" in button.text, "deleting asks once more"
    button.click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#secrets tbody tr")) == 4)
    hints = [s["hint"] for s in current_client(api, "Billing service")["clientSecrets"]]
    assert len(hints) == 4 and hint not in hints


def test_consent_method_switch(driver, api):
    client = current_client(api, "Storefront")
    go(driver, f"/console/clients/{client['clientId']}")
    assert client["connectionConfig"]["consentMethod"] == "required"
    driver.find_element(By.ID, "consent-trusted").click()
    driver.find_element(By.CSS_SELECTOR, "#consent-form button[type=submit]").click()
    wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "trusted"))
    assert current_client(api, "Storefront")["connectionConfig"]["consentMethod"] == "trusted"
    driver.find_element(By.ID, "consent-required").click()
    driver.find_element(By.CSS_SELECTOR, "#consent-form button[type=submit]").click()
    wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "required"))
    assert current_client(api, "Storefront")["connectionConfig"]["consentMethod"] == "required"


def test_delete_only_after_typing_the_name(driver, api):
    client = current_client(api, "Storefront")
    go(driver, f"/console/clients/{client['clientId']}")
    button = driver.find_element(By.CSS_SELECTOR, "#delete-form button[type=submit]")
    assert not button.is_enabled()
    box = driver.find_element(By.ID, "confirm-name")
    box.send_keys("Storefron")
    assert not button.is_enabled(), "a name that is not the client's does not arm it"
    box.send_keys(Keys.ENTER)
    assert api.client(client["clientId"])[0] == 200, "Enter with a wrong name deletes nothing"
    box.send_keys("t")
    assert button.is_enabled()
    button.click()
    heading(driver, "Clients")
    assert "deleted" in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert api.client(client["clientId"])[0] == 404


def test_users_create_search_disable_make_admin_delete(driver, api):
    go(driver, "/console/users")
    heading(driver, "Users")
    wait(driver, lambda d: d.find_elements(By.ID, "total"))
    axe(driver, "users")
    driver.find_element(By.LINK_TEXT, "New user").click()
    heading(driver, "New user")
    axe(driver, "new user")
    driver.find_element(By.ID, "u-email").send_keys("grace@example.com")
    driver.find_element(By.ID, "u-name").send_keys("Grace Hopper")
    driver.find_element(By.ID, "u-password").send_keys("short")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    error = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, ".panel.error")))
    assert "password" in error.text.lower()
    assert driver.current_url == BASE + "/console/users/new", "nothing was created"
    assert api.find_user("grace@example.com") == []
    driver.find_element(By.ID, "u-password").send_keys(" but now long enough")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    heading(driver, "Grace Hopper")
    path = "/api/core/users/" + driver.current_url.rsplit("/", 1)[1]
    user = lambda: api.get(path).json()
    assert user()["email"] == "grace@example.com"
    assert user()["status"] == "active" and user()["roles"] == []
    axe(driver, "user")
    driver.find_element(By.ID, "toggle-admin").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, "toggle-admin"), "Remove"))
    assert user()["roles"] == ["TenantAdmin"]
    driver.find_element(By.ID, "toggle-status").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, "toggle-status"), "Enable"))
    assert user()["status"] == "disabled"
    driver.find_element(By.ID, "toggle-status").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, "toggle-status"), "Disable"))
    assert user()["status"] == "active"
    assert [u["id"] for u in api.find_user("grace@example.com")] == [path.rsplit("/", 1)[1]]
    go(driver, "/console/users?search=grace")
    wait(driver, lambda d: d.find_element(By.ID, "total").text == "1 user")
    assert rows(driver) == ["Grace Hopper"]
    screenshot(driver, "users")
    # The search box filters over name and email.
    box = driver.find_element(By.ID, "user-search")
    box.clear()
    box.send_keys("ada@")
    driver.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    wait(driver, lambda d: "search=ada%40" in d.current_url)
    wait(driver, lambda d: d.find_element(By.ID, "total").text == "1 user")
    go(driver, "/console/users?search=grace")
    driver.find_element(By.LINK_TEXT, "Grace Hopper").click()
    heading(driver, "Grace Hopper")
    button = driver.find_element(By.CSS_SELECTOR, "#delete-form button[type=submit]")
    assert not button.is_enabled()
    driver.find_element(By.ID, "confirm-email").send_keys("grace@example.com")
    button.click()
    heading(driver, "Users")
    assert api.get(path).status_code == 404
    assert api.find_user("grace@example.com") == []


def audit_total(api, scim):
    res = api.get("/api/core/audits?totalResults=true&limit=1&filter=" + requests.utils.quote(scim))
    assert res.status_code == 200, res.text
    return res.json()["totalResults"]


def plural(n):
    return f"{n} event" if n == 1 else f"{n} events"


def test_audit_log(driver, api):
    go(driver, "/console/audits")
    heading(driver, "Audit log")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    # By type: the deletions made by the tests above, as many as the API counts.
    deleted = "com.registrar.oauth-client.deleted"
    Select(driver.find_element(By.ID, "a-type")).select_by_value(deleted)
    driver.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    wait(driver, lambda d: "type=com.registrar.oauth-client.deleted" in d.current_url)
    want = audit_total(api, f'type eq "{deleted}"')
    assert want >= 1
    wait(driver, lambda d: d.find_element(By.ID, "total").text == plural(want))
    details = driver.find_element(By.CSS_SELECTOR, "main table tbody details")
    details.find_element(By.TAG_NAME, "summary").click()
    event = json.loads(details.find_element(By.TAG_NAME, "pre").text)
    assert event["type"] == deleted and event["subject"]
    axe(driver, "audit log")
    # By subject and actor: one client's events, made by the admin's user token
    # through the console (actor.sub is the user's id) or by the API's client.
    billing = current_client(api, "Billing service")["clientId"]
    go(driver, "/console/audits?subject=" + billing)
    want = audit_total(api, f'subject eq "{billing}"')
    wait(driver, lambda d: d.find_element(By.ID, "total").text == plural(want))
    subjects = {td.text for td in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr td:nth-child(3)")}
    assert subjects == {billing}
    actor = event["actor"]["sub"]
    go(driver, "/console/audits?actor=" + actor)
    wait(driver, lambda d: d.find_element(By.ID, "total").text == plural(audit_total(api, f'actor.sub eq "{actor}"')))
    # By time: nothing before the tests began, everything since.
    go(driver, "/console/audits?to=2000-01-01T00%3A00")
    wait(driver, lambda d: "No event matches" in d.find_element(By.TAG_NAME, "main").text)
    axe(driver, "audit log (empty)")
    go(driver, "/console/audits?from=2000-01-01T00%3A00&type=" + deleted)
    wait(driver, lambda d: d.find_element(By.ID, "total").text == plural(audit_total(api, f'type eq "{deleted}"')))
    go(driver, "/console/audits")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    screenshot(driver, "audits")


def test_keyboard_skip_link_focus_ring_and_sorting(driver):
    go(driver, "/console/clients")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "Skip to content"
    outline = driver.execute_script("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]")
    assert outline[0] != "none" and outline[1] != "0px", f"a visible focus ring: {outline}"
    driver.execute_script("document.querySelector('main h1').dataset.drawn = 'before'")
    skip.send_keys(Keys.ENTER)
    active = driver.switch_to.active_element
    assert active.get_attribute("id") == "main"
    # The skip link's `#main` fires popstate: the page must not be drawn again
    # (that would take the focus away and detach what the keyboard reaches next).
    time.sleep(1)
    assert driver.execute_script("return document.querySelector('main h1').dataset.drawn") == "before", \
        "the skip link does not redraw the page"
    assert driver.switch_to.active_element.get_attribute("id") == "main"
    # Tab to the Name column's sort link and press Enter.
    for _ in range(30):
        active.send_keys(Keys.TAB)
        active = driver.switch_to.active_element
        if active.get_attribute("data-sort") == "clientName":
            break
    assert active.get_attribute("data-sort") == "clientName", "the sort links are reachable by Tab"
    active.send_keys(Keys.ENTER)
    wait(driver, lambda d: "sort=%2BclientName" in d.current_url or "sort=+clientName" in d.current_url)
    # After a navigation the focus is on the new page's heading.
    wait(driver, lambda d: d.switch_to.active_element.tag_name == "h1")


def test_every_page_passes_axe_in_both_themes_and_fits_360_px(driver, api):
    billing = current_client(api, "Billing service")["clientId"]
    pages = ["/console/clients", f"/console/clients/{billing}", f"/console/clients/{billing}/edit",
             "/console/clients/new", "/console/users", "/console/users/new", "/console/audits", "/console/nowhere"]
    for scheme in ["light", "dark"]:
        theme(driver, scheme)
        for path in pages:
            go(driver, path)
            axe(driver, f"{path} ({scheme})")
    theme(driver, "light")
    width(driver, 360)
    try:
        for path in pages:
            go(driver, path)
            overflow = driver.execute_script("return document.documentElement.scrollWidth")
            wide = driver.execute_script(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))")
            assert overflow <= 360, f"{path} is {overflow} px wide at 360 px: {wide}"
            axe(driver, f"{path} (360 px)")
        go(driver, "/console/clients")
        screenshot(driver, "clients-360")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    go(driver, "/console/clients?sort=-createdAt")
    screenshot(driver, "clients")


def test_the_access_token_is_renewed_without_leaving_the_page(driver):
    # The server runs with a 20 s access-token lifetime: the console renews at
    # four fifths of it, in the same document (no sign-in redirect).
    go(driver, "/console/clients/new")
    page_loaded_marker(driver)
    time.sleep(21)
    driver.find_element(By.LINK_TEXT, "Clients").click()
    heading(driver, "Clients")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    assert still_same_document(driver), "no reload: the token was renewed in place"
    token_calls = driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/oauth/token')).length")
    assert token_calls >= 2, "the code exchange, then at least one refresh"


def test_sign_out_ends_the_session(driver):
    go(driver, "/console/clients")
    driver.find_element(By.ID, "sign-out").click()
    heading(driver, "You are signed out")
    assert driver.current_url.startswith(BASE + "/console/")
    axe(driver, "signed out")
    screenshot(driver, "signed-out")
    driver.find_element(By.ID, "sign-in").click()
    wait(driver, ec.presence_of_element_located((By.NAME, "password")))
    assert "/console/" not in driver.current_url.split("?")[0], "the server asks for the password again"


def test_a_non_admin_is_refused_with_a_clear_page(driver):
    sign_in(driver, USER_EMAIL)
    heading(driver, "Not an administrator")
    text = driver.find_element(By.TAG_NAME, "main").text
    assert "not an administrator of this tenant" in text
    assert "Ask an administrator" in text
    assert not driver.find_elements(By.CSS_SELECTOR, "main table"), "no broken table"
    axe(driver, "not an administrator")
    screenshot(driver, "not-admin")


def test_axe_ran_on_every_page():
    record("pages checked with axe-core", len(AXED))
    assert len(AXED) >= 30, sorted(AXED)

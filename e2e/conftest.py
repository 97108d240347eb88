"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Run with `make e2e` (its own pytest call: the sync Playwright API inside Django's live server
needs DJANGO_ALLOW_ASYNC_UNSAFE, which must not leak into the main suite).
"""

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from patients.demo import DEMO_USERS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Full-page screenshots of each scenario's key pages (git-ignored).
SHOTS = os.environ.get("E2E_SCREENSHOTS", str(Path(__file__).resolve().parents[1] / "e2e-artifacts"))
# axe-core (vendored from its npm package) runs on every page a test loads; a serious or critical
# violation fails the test.
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
AXE_RUN = """
window.addEventListener("load", () => {
  if (window.top !== window || !window.axe) return;
  window.axe.run(document, {resultTypes: ["violations"]}).then((result) => {
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    window.__axeReport({url: location.pathname + location.search, violations: bad.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }))});
  });
});
"""
AXE_REPORTS: list[dict] = []
DIALOGS: list[str] = []  # what each confirm() asked; the tests answer yes
CONTEXTS_OPENED: list[object] = []


class _AxeBrowser:
    """The browser, whose every new context loads axe-core into each page and reports back."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        CONTEXTS_OPENED.append(context)
        context.expose_binding("__axeReport", lambda source, report: AXE_REPORTS.append(report))
        context.add_init_script(AXE)
        context.add_init_script(AXE_RUN)
        context.on("page", lambda page: page.on("dialog", _accept))
        return context


def _accept(dialog) -> None:
    DIALOGS.append(dialog.message)
    dialog.accept()
# Tests run with DEBUG off, where seed_demo gives the demo users random passwords: the browser
# tests set this one instead.
E2E_PASSWORD = "e2e-browser-password"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield _AxeBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_serious_accessibility_violations():
    """Every page the test loaded was checked by axe-core: no serious or critical violation."""
    AXE_REPORTS.clear()
    CONTEXTS_OPENED.clear()
    DIALOGS.clear()
    yield
    failures = [report for report in AXE_REPORTS if report["violations"]]
    assert not failures, failures
    assert AXE_REPORTS or not CONTEXTS_OPENED, "the browser was used but axe-core checked no page"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", force=True, stdout=io.StringIO())
    for user in get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS]):
        user.set_password(E2E_PASSWORD)
        user.save(update_fields=["password"])


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    # Every page runs under the app's Content-Security-Policy: a refused script, style or image
    # (Chromium reports it on the console) fails the test.
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    yield page
    context.close()
    assert not violations, violations


def log_in(page, username: str, *, then: str = "/patients/") -> None:
    """Log in (the home page opens), then go to `then` (the patient list unless told)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"://[^/]+/$"))
    if then != "/":
        page.goto(then)


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "scar.jpg"
    image = Image.new("RGB", (120, 80), (190, 90, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image.save(path, format="JPEG", exif=exif)
    return path

"""In the browser: the idle warning and keep-alive (static/js/idle-logout.js), and the log-in lockout
page. The idle limit is shortened to seconds so that the test runs in real time."""

from e2e.conftest import E2E_PASSWORD, log_in

IDLE = 8  # seconds: the warning shows for the last 4, typing is posted every 2


def test_the_warning_shows_before_log_off_and_typing_keeps_the_session(page, settings):
    settings.IDLE_LOGOUT_SECONDS = IDLE
    log_in(page, "clinician")
    page.fill("input[name=q]", "")

    warning = page.locator("#idle-logout")
    warning.wait_for(state="visible", timeout=(IDLE + 2) * 1000)
    assert "You will be logged out in" in warning.inner_text()

    # Typing for longer than the limit: the keep-alive pings keep the session.
    for _ in range(2 * IDLE):
        page.type("input[name=q]", "a")
        page.wait_for_timeout(1000)
    assert "/patients/" in page.url and "/accounts/login/" not in page.url
    assert warning.is_hidden()

    # Then nothing: the page goes to the log-in page, which says why.
    page.wait_for_url("**/accounts/login/**", timeout=(IDLE + 6) * 1000)
    assert "without activity" in page.inner_text("main")


def test_the_warning_has_no_inline_script(page):
    log_in(page, "clinician")
    inline = page.evaluate("Array.from(document.scripts).filter(s => !s.src && s.textContent.trim()).length")
    assert inline == 0


def test_a_locked_out_clinician_sees_the_lockout_page(page):
    page.goto("/accounts/login/")
    for _ in range(5):
        page.fill("input[name=username]", "clinician")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        if "Log-in locked" in page.content():
            break
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "clinician")
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("button[type=submit]")

    assert "Log-in locked" in page.inner_text("main")
    assert "ask a clinic admin" in page.inner_text("main")
    assert "/accounts/login/" in page.url

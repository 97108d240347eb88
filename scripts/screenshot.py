"""Log in and take full-page screenshots of CryoCare pages with headless Chromium.

Usage: python scripts/screenshot.py BASE_URL USERNAME OUT_DIR PATH [PATH ...]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    base, username, out_dir, *paths = sys.argv[1:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "cryocare-demo")
        page.click("button[type=submit]")
        for i, path in enumerate(paths):
            page.goto(f"{base}{path}")
            name = out / f"{i:02d}-{path.strip('/').replace('/', '_') or 'home'}.png"
            page.screenshot(path=str(name), full_page=True)
            print(name, page.title())
        browser.close()


if __name__ == "__main__":
    main()

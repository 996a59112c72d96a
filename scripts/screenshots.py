"""The README's screenshots: each sample user's main pages of a running console (make run,
then make demo), in Debian's Chromium, saved under docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8005]
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path("docs/screenshots")
PAGES = {    # user: (file, path), ...
    "baimiao": [("station-issues", "/station"), ("station-visits", "/station/visits"),
                ("station-review", "/station/review")],
    "guanmiao": [("station-receptions", "/station/receptions")],
    "jtj": [("department-assignments", "/department")],
    "district": [("district-overview", "/district"), ("district-ledger", "/district/ledger"),
                 ("district-agenda", "/district/agenda"),
                 ("district-extensions", "/district/extensions"),
                 ("district-funds", "/district/funds"), ("district-reports", "/district/reports"),
                 ("district-dead-letters", "/district/dead-letters"),
                 ("district-grid", "/district/grid")],
    "director": [("director-ledger", "/district/ledger")],
}


def main(url):
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        for username, pages in PAGES.items():
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          locale="zh-CN", timezone_id="Asia/Shanghai")
            page = context.new_page()
            page.goto(f"{url}/login")
            page.fill("#login-username", username)
            page.fill("#login-password", f"{username}-sample")
            page.click("form[action='/login'] button[type=submit]")
            for name, path in pages:
                page.goto(url + path)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
                print(f"{OUT / name}.png  {username} {path}")
            context.close()
        phone = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
        page = phone.new_page()
        page.goto(f"{url}/track")
        page.screenshot(path=str(OUT / "voter-track.png"))
        print(f"{OUT / 'voter-track'}.png  voter /track")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8005")

"""A ``BROWSER`` command for tests: open the URL in headless Chromium and click Approve.

Usage: ``chromium_approve.py URL`` (Python's ``webbrowser`` appends the URL). Python's
``webbrowser`` wants BROWSER to be a bare executable, so tests point it at a small shell wrapper
that runs this file with the project's Python.

Waits until Chromium has followed the redirect to the client's ``redirect_uri`` and that page
has loaded, then writes a JSON report to ``$MCPDECK_BROWSER_REPORT`` (when set): the final URL,
the landing page's text and any error. Exit status 0 on success, 1 otherwise.

Everything comes from Debian's ``chromium`` and ``chromium-driver``; the flags keep Chromium off
the network and keep selenium-manager from downloading anything.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_available() -> str | None:
    """None when Chromium and its driver are installed, else why not."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this Python"
    return None


def approve(url: str, *, timeout: float = 60.0, decision: str = "approve") -> dict[str, Any]:
    """Open ``url``, click the consent button ``decision`` and wait for the redirect's page."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    redirect_uri = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0]
    profile = tempfile.mkdtemp(prefix="mcpdeck-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    report: dict[str, Any] = {"url": url}
    try:
        driver.set_page_load_timeout(timeout)
        driver.get(url)
        wait = WebDriverWait(driver, timeout)
        report["consent_title"] = driver.title
        button = wait.until(expected_conditions.element_to_be_clickable((By.ID, decision)))
        report["consent_text"] = driver.find_element(By.TAG_NAME, "body").text
        button.click()
        if redirect_uri:
            wait.until(lambda d: d.current_url.startswith(redirect_uri))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
        report["final_url"] = driver.current_url
        report["landing_text"] = driver.find_element(By.TAG_NAME, "body").text
        report["ok"] = True
    except Exception as exc:
        report["ok"] = False
        report["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        report["final_url"] = driver.current_url
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: chromium_approve.py URL", file=sys.stderr)
        return 2
    missing = chromium_available()
    report = {"ok": False, "error": missing} if missing else approve(argv[0])
    target = os.environ.get("MCPDECK_BROWSER_REPORT")
    if target:
        Path(target).write_text(json.dumps(report), encoding="utf-8")
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

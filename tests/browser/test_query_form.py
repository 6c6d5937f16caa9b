"""A named query's page in a real browser (Debian's Chromium driven by Playwright): open the
question, type a territory's name, pick the suggestion, choose a date with the date field, run,
read the table, follow the CSV download and the permalink; the examples' buttons fill the form;
no script error, no Content-Security-Policy violation, no request to another host.

The browser is ``conftest.browser`` (skipped without Chromium, failed instead when ``CI`` is set).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.helpers import MELUN_IRI, create_test_app, serving

QUERY = "communes-d-un-territoire"


@pytest.fixture(scope="module")
def app(cut_data_dir) -> Iterator[Flask]:
    application = create_test_app(cut_data_dir)
    yield application
    application.extensions["tid"].close()


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with serving(app) as root:
        yield root


def test_a_named_query_from_its_form_in_chromium(server: str, browser: Any) -> None:
    origin = urlsplit(server)
    context = browser.new_context(locale="fr-FR", service_workers="block", accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        # the catalogue links the question; a click opens its page (HTML, not SPARQL results)
        page.goto(server + "queries", wait_until="load")
        with page.expect_navigation():
            page.click(f"a[href$='/queries/{QUERY}']")
        assert page.evaluate("document.contentType") == "text/html"
        assert page.locator("h1").inner_text().startswith("Communes d")
        assert page.locator("table.solutions").count() == 0

        # the example's button fills the field (the script shows it); then a name, with suggestions
        field = page.locator("#param-territoire")
        page.locator("button.use-example[data-for='param-territoire']").click()
        assert field.input_value().endswith("/ti-7510")
        field.fill("")
        with page.expect_response(lambda r: "/search?" in r.url and "type=territoire" in r.url) as suggested:
            field.press_sequentially("Melun", delay=30)
        assert suggested.value.status == 200
        option = page.locator("#list-territoire option[value='ti-1107@2023-2027']")
        option.wait_for(state="attached", timeout=10_000)
        assert "Melun" in (option.get_attribute("label") or "")
        field.fill("ti-1107@2023-2027")  # what picking the suggestion writes

        # the date field is a date picker
        date = page.locator("#param-date")
        assert date.get_attribute("type") == "date"
        date.fill("2024-06-01")
        with page.expect_navigation():
            page.click("form.named-query button[type=submit]")
        assert "territoire=ti-1107%402023-2027" in page.url and "date=2024-06-01" in page.url
        rows = page.locator("table.solutions tbody tr")
        assert rows.count() > 0
        assert page.locator(f"p.bound code:text-is('{MELUN_IRI}')").count() == 1
        assert page.locator("table.solutions a[href='/doc/commune/77288']").count() >= 1

        # the CSV download has the same rows; the permalink opens the same page
        with page.expect_download() as download:
            page.click("a.download[href*='format=csv']")
        text = open(download.value.path(), encoding="utf-8").read()
        table = list(csv.DictReader(io.StringIO(text)))
        assert len(table) == rows.count() and {r["territoire"] for r in table} == {MELUN_IRI}
        permalink = page.locator("a.permalink").get_attribute("href")
        assert permalink and permalink.startswith(server + f"queries/{QUERY}?")
        page.goto(permalink, wait_until="load")
        assert page.locator("table.solutions tbody tr").count() == len(table)

        # a value that names two territories: 400, the form again, the choices said
        response = page.goto(server + f"queries/{QUERY}?territoire=ti-1103", wait_until="load")
        assert response is not None and response.status == 400
        assert page.locator("#param-territoire[aria-invalid=true]").count() == 1
        assert "ti-1103@2018-2023" in page.locator("#error-territoire").inner_text()
        errors = [e for e in errors if "400" not in e]  # the console reports the 400 page itself
        assert not errors, errors
    finally:
        context.close()

    outside = [url for url in requests if not url.startswith("data:") and urlsplit(url).netloc != origin.netloc]
    assert not outside, f"the page reached other hosts: {outside}"

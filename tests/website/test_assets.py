"""Self-hosted front-end assets, small enough for a phone on a school's Wi-Fi."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET = 60 * 1024
PAGES = ["/", "/courses/", "/courses/certificate-in-coaching-competence/", "/journal/"]


def assets_of(html):
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    return styles + scripts


@pytest.mark.parametrize("url", PAGES)
def test_css_and_js_stay_under_60kb_compressed(client, url):
    html = client.get(url).content.decode()
    assets = assets_of(html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    total = 0
    for asset in assets:
        path = finders.find(asset.removeprefix("/static/"))
        assert path, f"{asset} is not built: run `make assets`"
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read(), compresslevel=9))
    assert total < BUDGET, f"{url} loads {total} bytes of CSS and JS (gzip)"


@pytest.mark.parametrize("url", PAGES)
def test_nothing_is_loaded_from_another_host(client, url):
    html = client.get(url).content.decode()
    assets = re.findall(r'<(?:script|img|link rel="stylesheet")[^>]+(?:src|href)="([^"]+)"', html)
    assert assets
    assert [url for url in assets if not url.startswith("/")] == []

"""Structural checks applied to every HTML page the tests fetch."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


def assert_valid_page(html: str, url: str) -> BeautifulSoup:
    """Fail when a page lacks a title or lang, repeats an id, or has a broken form or anchor."""
    page = BeautifulSoup(html, "html.parser")
    assert html.lstrip().lower().startswith("<!doctype html>"), f"{url}: no doctype"
    root = page.find("html")
    assert root is not None and root.get("lang") in {"fi", "sv", "en"}, f"{url}: bad <html lang>"
    title = page.find("title")
    assert title is not None and title.get_text(strip=True), f"{url}: empty <title>"
    assert title.get_text(strip=True) != "– Polku", f"{url}: title block not filled"
    assert len(page.select("h1")) == 1, f"{url}: expected exactly one <h1>"
    assert page.select_one("main#main-content"), f"{url}: no main#main-content"
    ids = Counter(str(tag["id"]) for tag in page.select("[id]"))
    duplicates = [name for name, count in ids.items() if count > 1]
    assert not duplicates, f"{url}: duplicate ids {duplicates}"
    for form in page.select("form"):
        assert form.get("action"), f"{url}: a form without action"
    for link in page.select('a[href^="#"]'):
        target = str(link["href"])[1:]
        assert target in ids, f"{url}: link to missing anchor #{target}"
    inline = page.select('script:not([src]):not([type="application/ld+json"])')
    assert not inline, f"{url}: inline script"
    assert not page.select("[style]"), f"{url}: inline style attribute"
    assert not page.select("style"), f"{url}: inline <style> element"
    return page

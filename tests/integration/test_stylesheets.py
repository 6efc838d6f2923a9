"""Each layout links the shared stylesheet and its own only: a phone page loads no desktop or screen rules."""

from __future__ import annotations

import re

import pytest

from pkarena.services.boards import screens

LAYOUT_SHEETS = {"phone.css", "desktop.css", "screen.css"}
# Pages are the same on every backend: one pair is enough.
pytestmark = pytest.mark.parametrize("backend", [("sqlite", "memory")], indirect=True, ids=["sqlite-memory"])


def stylesheets(html: str) -> list[str]:
    """The hrefs of the page's <link rel="stylesheet"> tags, in order."""
    return [re.search(r'href="([^"]+)"', tag).group(1)
            for tag in re.findall(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>", html)]


def assert_links_only(client, path: str, layout: str) -> None:
    """`path` renders 200, links base.css then `layout`.css and no other layout's sheet, and each is served."""
    response = client.get(path)
    assert response.status_code == 200, path
    sheets = stylesheets(response.get_data(as_text=True))
    names = [href.rsplit("/", 1)[-1] for href in sheets]
    assert names == ["base.css", f"{layout}.css"], (path, names)
    assert not (LAYOUT_SHEETS - {f"{layout}.css"}) & set(names), (path, names)
    for href in sheets:
        served = client.get(href)
        assert served.status_code == 200, href
        assert served.mimetype == "text/css", href
        served.close()


@pytest.fixture
def people(world):
    """A company with a branch, a member and an organizer of the company."""
    company = world.org("甲公司")
    branch = world.org("甲一支部", company)
    return {"company": company, "member": world.member(branch, "m1"),
            "host": world.member(branch, "host-a", role="organizer", scope=company)}


def test_phone_pages_link_base_and_phone_stylesheets_only(client, login, people):
    assert_links_only(client, "/login", "phone")
    login(people["member"])
    for path in ("/home", "/me/points", "/play"):
        assert_links_only(client, path, "phone")


def test_desktop_pages_link_base_and_desktop_stylesheets_only(client, login, people):
    login(people["host"])
    for path in ("/admin/", "/admin/members", "/admin/boards", "/admin/screens"):
        assert_links_only(client, path, "desktop")


def test_the_screen_links_base_and_screen_stylesheets_only(client, session, clock, people):
    _row, token = screens.create(session, clock, scope_kind="org", scope_id=people["company"].id, label="大厅电视",
                                 actor_id=people["host"].id)
    assert_links_only(client, f"/screen/{token}", "screen")


def test_every_stylesheet_in_static_css_belongs_to_a_layout(app):
    from pathlib import Path

    sheets = {p.name for p in (Path(app.static_folder) / "css").glob("*.css")}
    assert sheets == {"base.css"} | LAYOUT_SHEETS

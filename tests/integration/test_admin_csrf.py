"""With CSRF on (as in production), an organizer form posted without its token is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pkarena.models import Org


@pytest.fixture
def csrf_app(sqlite_url, memory_store, clock):
    """The app with CSRF protection enabled, on a fresh SQLite database."""
    from pkarena import create_app
    from pkarena.config import Config
    from pkarena.extensions import db

    config = Config(DATABASE_URL=sqlite_url, PKARENA_STORE_URL="memory://", TESTING=True, WTF_CSRF_ENABLED=True,
                    SECRET_KEY="test-secret", LOGIN_RATE_LIMIT="1000 per minute")
    application = create_app(config, clock=clock, store=memory_store)
    with application.app_context():
        yield application
    db.session.remove()
    db.engine.dispose()


def test_post_without_csrf_token_is_refused_and_with_it_accepted(csrf_app, clock):
    from factories import World

    from pkarena.extensions import db

    session = db.session()
    world = World(session, clock)
    branch = world.org("一支部", world.org("华瑞公司"))
    host = world.member(branch, "host", role="organizer")
    client = csrf_app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": host.username,
                                                   "password": World.PASSWORD}).status_code == 200
    refused = client.post("/admin/orgs", data={"parent_id": branch.id, "name": "无令牌小组"})
    assert refused.status_code == 400 and "表单已过期" in refused.get_data(as_text=True)
    page = client.get("/admin/orgs").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/admin/orgs", data={"parent_id": branch.id, "name": "有令牌小组", "csrf_token": token})
    assert accepted.status_code == 302
    names = set(session.execute(select(Org.name)).scalars())
    assert "有令牌小组" in names and "无令牌小组" not in names

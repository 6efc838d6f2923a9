"""The web app's edges: health check, error shapes, language, login (page and JSON), logout, passwords, /me."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pkarena.store.memory import MemoryStore

TOO_MANY = "尝试次数过多，请稍后再试"


class DeadStore(MemoryStore):
    """A store whose server stopped answering."""

    def ping(self) -> bool:
        raise ConnectionError("store is down")


class SilentStore(MemoryStore):
    """A store that answers the ping with a refusal."""

    def ping(self) -> bool:
        return False


@pytest.fixture
def make_app(clock):
    """`make_app(url, store, **config)`: an app of our own (the `app` fixture is not used alongside)."""
    from pkarena import create_app
    from pkarena.config import Config
    from pkarena.extensions import db

    built = []

    def make(url: str, store, **overrides):
        settings = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret",
                    "LOGIN_RATE_LIMIT": "1000 per minute", **overrides}
        application = create_app(Config(DATABASE_URL=url, PKARENA_STORE_URL=store.url, **settings),
                                 clock=clock, store=store)
        built.append(application)
        return application

    yield make
    if built:
        db.session.remove()
        db.engine.dispose()


def seed_member(application, clock, username: str = "m1", status: str = "active"):
    """One company, one branch, one member, committed through the app's session."""
    from pkarena.extensions import db
    from pkarena.services.people import members, orgs

    with application.app_context():
        session = db.session()
        company = orgs.create_org(session, clock, "测试公司")
        branch = orgs.create_org(session, clock, "测试支部", company)
        member = members.create_member(session, clock, username=username, display_name="测试成员", org=branch,
                                       password="correct-horse-9", status=status)
        session.commit()
        return member.id


def api_login(client, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    return body["error"]


# --- health ----------------------------------------------------------------------------------------
def test_healthz_reports_database_and_store(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}


@pytest.mark.parametrize("store_class", [DeadStore, SilentStore], ids=["raises", "refuses"])
def test_healthz_is_503_when_the_store_does_not_answer(make_app, sqlite_url, store_class):
    application = make_app(sqlite_url, store_class("memory://"))
    response = application.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["store"].startswith("error")


def test_healthz_is_503_when_the_database_does_not_answer(make_app, tmp_path, memory_store):
    missing_dir = tmp_path / "no-such-dir" / "db.sqlite3"  # SQLite cannot create a file here
    application = make_app(f"sqlite:///{missing_dir}", memory_store)
    response = application.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


# --- error shapes ----------------------------------------------------------------------------------
def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["message"] == "页面或资源不存在"


def test_api_requires_login_with_a_json_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "AUTH_REQUIRED"


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "页面或资源不存在" in html and "<html" in html


def test_pages_redirect_anonymous_visitors_to_login_with_next(client):
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "%2Fhome" in response.headers["Location"] or "/home" in response.headers["Location"]


def test_wrong_method_on_the_api_is_a_json_405(client):
    response = client.get("/api/v1/auth/login")
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


# --- language ----------------------------------------------------------------------------------------
def test_login_page_is_chinese_by_default_and_switches_to_english(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html
    assert 'href="?lang=en"' in html  # the switch link

    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert 'href="?lang=zh_CN"' in english
    # The choice sticks in the session.
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/login?lang=zh_CN").get_data(as_text=True)


def test_the_language_switch_keeps_the_page_s_other_query_parameters(client):
    html = client.get("/login?next=%2Fadmin%2Fpoints%3Fq%3Da01").get_data(as_text=True)
    assert 'href="?next=%2Fadmin%2Fpoints%3Fq%3Da01&amp;lang=en"' in html
    english = client.get("/login?next=%2Fhome&lang=en").get_data(as_text=True)
    assert 'href="?next=%2Fhome&amp;lang=zh_CN"' in english


def test_browser_language_is_honoured(app):
    html = app.test_client().get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html


# --- JSON login ----------------------------------------------------------------------------------------
def test_api_login_sets_the_session(client, world):
    member = world.member(world.org(), "zhangsan")
    response = api_login(client, "zhangsan", world.PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["member"] == {"id": member.id, "username": "zhangsan", "role": "member",
                              "display_name": member.display_name}
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert client.get("/api/v1/me").status_code == 200


def test_api_login_by_phone(client, world):
    world.member(world.org(), "lisi", phone="13900001234")
    assert api_login(client, "13900001234", world.PASSWORD).status_code == 200


@pytest.mark.parametrize(("username", "password"), [("zhangsan", "wrong-password"), ("nobody", "correct-horse-9")])
def test_api_login_refuses_bad_credentials(client, world, username, password):
    world.member(world.org(), "zhangsan")
    response = api_login(client, username, password)
    assert response.status_code == 401
    assert error_of(response) == {"code": "BAD_CREDENTIALS", "message": "用户名或密码错误"}
    assert client.get("/api/v1/me").status_code == 401


def test_api_login_wants_json(client):
    response = client.post("/api/v1/auth/login", data={"username": "x", "password": "y"})
    assert response.status_code == 415
    assert error_of(response)["code"] == "INVALID"
    response = client.post("/api/v1/auth/login", json={"username": 1})
    assert response.status_code == 400


def test_login_is_rate_limited_after_failed_attempts(make_app, backend, clock):
    url, store = backend
    application = make_app(url, store, LOGIN_RATE_LIMIT="3 per minute")
    seed_member(application, clock, "wangwu")
    client = application.test_client()
    # Successful logins do not count against the limit.
    for _ in range(4):
        assert api_login(client, "wangwu", "correct-horse-9").status_code == 200
    for _ in range(3):
        assert api_login(client, "wangwu", "wrong-password").status_code == 401
    response = api_login(client, "wangwu", "wrong-password")
    assert response.status_code == 429
    assert error_of(response) == {"code": "RATE_LIMITED", "message": TOO_MANY}
    # The login page shares the limit and says so in Chinese.
    page = client.post("/login", data={"login": "wangwu", "password": "wrong-password"})
    assert page.status_code == 429
    assert TOO_MANY in page.get_data(as_text=True)


# --- the login page ----------------------------------------------------------------------------------
def test_login_page_logs_in_and_redirects_home(client, world):
    world.member(world.org(), "zhaoliu")
    response = client.post("/login", data={"login": "zhaoliu", "password": world.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200


def test_login_page_follows_only_local_next(client, world):
    world.member(world.org(), "zhaoliu")
    response = client.post("/login?next=/account/password", data={"login": "zhaoliu", "password": world.PASSWORD})
    assert response.headers["Location"] == "/account/password"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x", data={"login": "zhaoliu", "password": world.PASSWORD})
    assert response.headers["Location"] == "/home"


def test_login_page_shows_the_chinese_error(client, world):
    world.member(world.org(), "zhaoliu")
    response = client.post("/login", data={"login": "zhaoliu", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    response = client.post("/login", data={"login": "", "password": ""})
    assert "请输入用户名或手机号" in response.get_data(as_text=True)


def test_a_pending_member_cannot_log_in(client, world):
    world.member(world.org(), "pending1", status="pending")
    response = api_login(client, "pending1", world.PASSWORD)
    assert response.status_code == 403
    assert error_of(response)["code"] == "ACCOUNT_INACTIVE"
    page = client.post("/login", data={"login": "pending1", "password": world.PASSWORD})
    assert page.status_code == 200
    assert "账号待审核或已停用" in page.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_needs_a_csrf_token(make_app, sqlite_url, memory_store, clock):
    application = make_app(sqlite_url, memory_store, WTF_CSRF_ENABLED=True)
    seed_member(application, clock, "csrf1")
    client = application.test_client()
    response = client.post("/login", data={"login": "csrf1", "password": "correct-horse-9"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    # The JSON login is exempt (a cross-site form cannot send application/json).
    assert api_login(client, "csrf1", "correct-horse-9").status_code == 200


# --- logout ----------------------------------------------------------------------------------------
def test_logout_requires_post(client, world, login):
    member = world.member(world.org())
    login(member)
    response = client.get("/logout")
    assert response.status_code == 405
    assert client.get("/api/v1/me").status_code == 200  # still logged in
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401


# --- password change -------------------------------------------------------------------------------
def test_change_password_flow(client, world, login):
    member = world.member(world.org(), "qianqi")
    login(member)
    assert client.get("/account/password").status_code == 200

    wrong_old = client.post("/account/password", data={"old_password": "nope-nope-1", "new_password": "brand-new-pw-1",
                                                       "confirm": "brand-new-pw-1"})
    assert wrong_old.status_code == 200
    assert "原密码不正确" in wrong_old.get_data(as_text=True)

    mismatch = client.post("/account/password", data={"old_password": world.PASSWORD,
                                                      "new_password": "brand-new-pw-1", "confirm": "other-pw-22"})
    assert "两次输入的密码不一致" in mismatch.get_data(as_text=True)

    too_short = client.post("/account/password", data={"old_password": world.PASSWORD, "new_password": "short",
                                                       "confirm": "short"})
    assert "密码至少 8 位" in too_short.get_data(as_text=True)

    done = client.post("/account/password", data={"old_password": world.PASSWORD, "new_password": "brand-new-pw-1",
                                                  "confirm": "brand-new-pw-1"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/home"
    assert "密码已修改" in client.get("/home").get_data(as_text=True)

    client.post("/logout")
    assert api_login(client, "qianqi", world.PASSWORD).status_code == 401
    assert api_login(client, "qianqi", "brand-new-pw-1").status_code == 200


# --- /api/v1/me ----------------------------------------------------------------------------------------
def test_me_reports_points_and_ranks_from_the_ledger(app, client, world, login, session, clock):
    from pkarena.services import ledger

    company = world.org("甲公司")
    branch = world.org("一支部", company)
    other_branch = world.org("二支部", company)
    me = world.member(branch, "me")
    rival = world.member(branch, "rival")
    far = world.member(other_branch, "far")
    world.member(branch, "idle")
    host = world.member(world.org("乙公司"), "host", role="organizer")
    updater = app.extensions["pkarena.boards"]

    def give(member, points, ref, when):
        clock.set(when)
        ledger.manual_award(session, clock, actor_id=host.id, member_ids=[member.id], points=points,
                            category="思想学习", reason="测试", request_id=ref, on_commit=updater)

    now = clock.now()
    give(me, 2, "last-month", now - timedelta(days=40))
    give(rival, 4, "yesterday", now - timedelta(days=1))
    give(far, 9, "far", now - timedelta(days=2))
    give(me, 3, "today", now)

    login(me)
    body = client.get("/api/v1/me").get_json()
    assert body["member"] == {"id": me.id, "username": "me", "display_name": me.display_name, "role": "member"}
    assert body["org"]["id"] == branch.id
    assert body["org"]["path"] == ["甲公司", "一支部"]
    assert body["month"] == "2026-11"
    assert body["points"] == {"today": 3, "month": 3, "total": 5}

    ranks = {line["org_id"]: line for line in body["ranks"]}
    assert set(ranks) == {company.id, branch.id}
    # In the branch: rival 4, me 3, idle 0 → 2nd of 3. In the company: far 9, rival 4, me 3 → 3rd of 4.
    assert (ranks[branch.id]["rank"], ranks[branch.id]["of"], ranks[branch.id]["points"]) == (2, 3, 3)
    assert (ranks[company.id]["rank"], ranks[company.id]["of"]) == (3, 4)

    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="points-today">3<' in home
    assert 'data-testid="points-month">3<' in home
    assert 'data-testid="points-total">5<' in home

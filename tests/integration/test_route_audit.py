"""Route audit: every URL rule is either on the explicit public list or refuses the wrong visitor.

Everything is derived from `app.url_map`, so a route added later is audited without touching this
file; only a deliberately public route has to be added to PUBLIC (and marked `@public`).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UUIDConverter,
)

from pkarena.authz import ROLE_LEVEL

# Endpoints anyone may open without logging in, and why. Keep this list explicit and short:
# a new public route is a security decision that belongs in review, not an accident.
PUBLIC = {
    "static": "CSS, JS and the vendored libraries",
    "main.healthz": "load balancer health check (no data)",
    "main.index": "redirects to the login or home page",
    "auth.login": "the login page",
    "auth.api_login": "JSON login",
    "invites.join": "invite link landing page: register with a valid invite code",
    "screen.board": "office screen kiosk page: the revocable token in the URL is the credential (404/410 otherwise)",
}
# Flask's own static view cannot carry the `is_public` marker.
UNMARKED_PUBLIC = {"static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


class Fixtures:
    """Real objects whose ids fill URL parameters, and one logged-in client per role."""

    def __init__(self, app, world) -> None:
        self.app = app
        self.company = world.org("审计公司")
        self.branch = world.org("审计支部", self.company)
        self.member = world.member(self.branch, "audit-member")
        self.organizer = world.member(self.branch, "audit-organizer", role="organizer", scope=self.company)
        self.admin = world.member(self.company, "audit-admin", role="admin")
        self.world = world

    def value(self, name: str, converter) -> object:
        """A plausible value for URL parameter `name`."""
        lowered = name.lower()
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        if isinstance(converter, UUIDConverter):
            return uuid.uuid4()
        if isinstance(converter, IntegerConverter | FloatConverter):
            number = 1
            if "org" in lowered:
                number = self.branch.id
            elif "member" in lowered or "user" in lowered:
                number = self.member.id
            return float(number) if isinstance(converter, FloatConverter) else number
        if isinstance(converter, PathConverter):
            return "members" if "scope" in lowered else "1"
        if "month" in lowered:
            return self.world.clock.month_key()
        if "day" in lowered or "date" in lowered:
            return self.world.clock.day_key()
        if "scope" in lowered:
            return "members"
        if "org" in lowered:
            return str(self.branch.id)
        if "member" in lowered:
            return str(self.member.id)
        return "1"

    def path(self, rule: Rule) -> str:
        """The rule's URL with every parameter filled in."""
        values = {name: self.value(name, converter) for name, converter in rule._converters.items()}
        built = rule.build({**(rule.defaults or {}), **values}, append_unknown=False)
        assert built is not None, f"cannot build {rule.rule} from {values}"
        return built[1]

    def client_for(self, member):
        """A new test client logged in as `member` through the JSON login."""
        client = self.app.test_client()
        response = client.post("/api/v1/auth/login", json={"username": member.username,
                                                          "password": self.world.PASSWORD})
        assert response.status_code == 200, response.get_data(as_text=True)
        return client


@pytest.fixture
def fx(app, world) -> Fixtures:
    return Fixtures(app, world)


def audited_rules(app) -> list[tuple[Rule, object, list[str]]]:
    """(rule, view, methods) for every rule of the app, static included."""
    rows = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = sorted((rule.methods or {"GET"}) - IGNORED_METHODS)
        rows.append((rule, app.view_functions[rule.endpoint], methods))
    return rows


def protected_rules(app) -> list[tuple[Rule, str, list[str]]]:
    """(rule, required role, methods) for every non-public rule."""
    return [(rule, getattr(view, "required_role", None), methods)
            for rule, view, methods in audited_rules(app) if rule.endpoint not in PUBLIC]


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/login"


def json_error(response) -> str | None:
    """The `error.code` of a JSON error response, or None if the body is not that shape."""
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        if isinstance(error.get("code"), str) and isinstance(error.get("message"), str):
            return error["code"]
    return None


def describe(method: str, path: str, rule: Rule, response) -> str:
    body = response.get_data(as_text=True)[:160].replace("\n", " ")
    return f"{method} {path} ({rule.endpoint}): {response.status_code} {response.headers.get('Location', '')} {body}"


# --- the markers -------------------------------------------------------------------------------
def test_every_route_is_public_or_requires_a_known_role(app):
    problems = []
    for rule, view, _methods in audited_rules(app):
        marked_public = getattr(view, "is_public", False) is True
        role = getattr(view, "required_role", None)
        if rule.endpoint in PUBLIC:
            if rule.endpoint not in UNMARKED_PUBLIC and not marked_public:
                problems.append(f"{rule.rule} ({rule.endpoint}) is on PUBLIC but its view lacks @public")
            if role is not None:
                problems.append(f"{rule.rule} ({rule.endpoint}) is on PUBLIC but also requires {role!r}")
        elif marked_public:
            problems.append(f"{rule.rule} ({rule.endpoint}) is marked @public but is not on the PUBLIC list "
                            "of tests/integration/test_route_audit.py")
        elif role is None:
            problems.append(f"{rule.rule} ({rule.endpoint}) has neither @public nor @require(role)")
        elif role not in ROLE_LEVEL:
            problems.append(f"{rule.rule} ({rule.endpoint}) requires unknown role {role!r}")
    assert not problems, "\n".join(problems)


def test_the_audit_sees_the_known_routes(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"static", "main.healthz", "main.home", "main.api_me", "auth.login", "auth.logout",
            "admin.dashboard", "api.board"} <= endpoints
    roles = {role for _rule, role, _methods in protected_rules(app)}
    assert {"member", "organizer"} <= roles


# --- anonymous visitors --------------------------------------------------------------------------
def test_anonymous_visitors_are_refused_everywhere_but_public_routes(app, fx):
    client = app.test_client()
    problems, checked = [], 0
    for rule, _role, methods in protected_rules(app):
        path = fx.path(rule)
        for method in methods:
            response = client.open(path, method=method)
            checked += 1
            if path.startswith("/api/"):
                ok = response.status_code == 401 and json_error(response) is not None
            else:
                ok = is_login_redirect(response)
            if not ok:
                problems.append(describe(method, path, rule, response))
    assert checked > 0
    assert not problems, "anonymous requests not refused (401 JSON / 302 → /login):\n" + "\n".join(problems)


# --- the wrong role ------------------------------------------------------------------------------
def test_members_cannot_use_organizer_or_admin_routes(app, fx):
    member, organizer = fx.client_for(fx.member), fx.client_for(fx.organizer)
    problems, checked = [], 0
    for rule, role, methods in protected_rules(app):
        if role not in ("organizer", "admin"):
            continue
        path = fx.path(rule)
        clients = [("member", member)] + ([("organizer", organizer)] if role == "admin" else [])
        for who, client in clients:
            for method in methods:
                response = client.open(path, method=method)
                checked += 1
                ok = response.status_code == 403
                if path.startswith("/api/"):
                    ok = ok and json_error(response) is not None
                if not ok:
                    problems.append(f"as {who}: " + describe(method, path, rule, response))
    assert checked > 0
    assert not problems, "wrong role not refused with 403:\n" + "\n".join(problems)


def test_a_member_deactivated_after_login_is_refused(app, fx, session, clock):
    from pkarena.services.people import members

    client = fx.client_for(fx.member)
    assert client.get("/api/v1/me").status_code == 200
    members.set_status(session, clock, fx.member, "inactive", actor_id=fx.admin.id)
    session.commit()
    problems, checked = [], 0
    for rule, role, methods in protected_rules(app):
        if role != "member":
            continue
        path = fx.path(rule)
        for method in methods:
            response = client.open(path, method=method)
            checked += 1
            if path.startswith("/api/"):
                ok = response.status_code in (401, 403) and json_error(response) is not None
            else:
                ok = is_login_redirect(response) or response.status_code == 403
            if not ok:
                problems.append(describe(method, path, rule, response))
    assert checked > 0
    assert not problems, "deactivated member not refused:\n" + "\n".join(problems)

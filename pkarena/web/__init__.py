"""Blueprints by domain, registered on the app in one place."""

from __future__ import annotations

from flask import Flask, g

from pkarena.extensions import db, login_manager


def register_blueprints(app: Flask) -> None:
    """Register every blueprint, the user loader, error handlers and template helpers."""
    from pkarena.web import (
        admin,
        api,
        auth,
        contests,
        contests_api,
        invites,
        main,
        member,
        play,
        qb,
        qb_stats,
        screen,
        snapshots,
    )
    from pkarena.web.errors import register_error_handlers, register_input_bounds

    register_input_bounds(app)  # before the blueprints: a rule binds its converters when it is added
    for module in (main, auth, api, contests_api, contests, invites, admin, qb_stats, member, screen, qb, snapshots, play):
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    from pkarena.web.labels import register_label_globals

    register_label_globals(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(member_id: str):
        from pkarena.models import Member

        member = db.session().get(Member, int(member_id)) if member_id.isdigit() else None
        return member if member is not None and member.is_active else None

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "demo_mode": app.config.get("DEMO", False)}

    @app.before_request
    def _reset_request_state():
        g.pop("audit_actor", None)

"""PK Arena: answer-PK contests between paired organizations. `create_app` builds the web app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_login import current_user

from pkarena.blocking import limit_hashing
from pkarena.clock import Clock
from pkarena.config import Config
from pkarena.extensions import babel, csrf, db, limiter, login_manager, socketio
from pkarena.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    """The visitor's language: ?lang=, then the session, then the browser, zh_CN by default."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and getattr(current_user, "locale", None) in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages, default="zh_CN") or "zh_CN"


def create_app(config: Config | None = None, *, clock: Clock | None = None, store=None) -> Flask:
    """Build a PK Arena app from `config` (default: the environment); clock and store may be injected."""
    config = config or Config.from_env()
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_mapping(config.as_flask())
    if config.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).resolve().parent / "translations")
    app.extensions["pkarena.config"] = config
    limit_hashing(config.PASSWORD_HASH_CONCURRENCY)
    app.extensions["pkarena.clock"] = clock or Clock(config.PKARENA_TIMEZONE)
    app.extensions["pkarena.store"] = store or open_store(config.PKARENA_STORE_URL)

    db.init_app(app)
    from pkarena.services.boards.cache import BoardUpdater, org_path_lookup

    app.extensions["pkarena.boards"] = BoardUpdater(app.extensions["pkarena.store"],
                                                    org_path_lookup(db.session_factory))
    from pkarena.services.contests.standings import ContestBoardUpdater

    app.extensions["pkarena.boards"].listeners.append(
        ContestBoardUpdater(app.extensions["pkarena.store"], db.session_factory))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    # Default CORS policy: only the page's own origin may open a socket with the session cookie.
    socketio.init_app(app, message_queue=config.SOCKETIO_MESSAGE_QUEUE, async_mode=config.SOCKETIO_ASYNC_MODE)

    from pkarena.web import register_blueprints

    register_blueprints(app)
    from pkarena.realtime import register_namespaces

    register_namespaces(socketio)
    from pkarena.realtime.screen import register_screen_push

    register_screen_push(app)
    return app

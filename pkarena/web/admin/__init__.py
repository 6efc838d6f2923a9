"""Organizer and admin pages (desktop): dashboard, org tree, members, pairings, joint groups."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from pkarena.web.admin import dashboard  # noqa: E402,F401  (routes register on bp)

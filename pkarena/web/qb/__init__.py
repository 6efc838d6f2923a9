"""The question bank's organizer pages under /qb: import, question list, edit, categories.

Questions are global (no per-org ownership in the model yet): every organizer and admin manages all of them.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("qb", __name__, url_prefix="/qb")

# Each module adds its routes to bp when imported.
from pkarena.web.qb import categories, imports, questions  # noqa: E402,F401

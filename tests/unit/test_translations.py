"""The English catalogue is complete and compiled: every string the code marks has a translation."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "pkarena" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("pkarena/**.py", "python"), ("question_bank/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}


def extracted_msgids() -> set[str]:
    """Every msgid marked in Python modules and templates."""
    found: set[str] = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=[(p, m) for p, m in METHODS], keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        if filename.startswith(("tests", "migrations", "bench", ".")):
            continue
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_string_has_an_english_translation():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(msgid for msgid in extracted_msgids() if not translated.get(msgid))
    assert not missing, f"{len(missing)} strings lack an English translation, e.g. {missing[:10]}"


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        po = {m.id: m.string for m in read_po(handle, locale="en") if m.id and m.string}
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        mo = {m.id: m.string for m in read_mo(io.BytesIO(handle.read())) if m.id}
    assert po == mo, "messages.mo is stale: run `pybabel compile -d pkarena/translations`"

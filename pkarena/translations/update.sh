#!/usr/bin/env bash
# Re-extract marked strings, merge them into the English catalogue and compile it.
# New msgids appear with an empty msgstr: translate them in
# pkarena/translations/en/LC_MESSAGES/messages.po, then run this script again.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYBABEL="${PYBABEL:-pybabel}"
POT=pkarena/translations/messages.pot
DIR=pkarena/translations

"$PYBABEL" extract -F pkarena/translations/babel.cfg -k _l -k lazy_gettext --sort-by-file \
    --project="PK Arena" -o "$POT" .
if [ -f "$DIR/en/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" update -i "$POT" -d "$DIR" -l en --no-fuzzy-matching --ignore-obsolete
else
    "$PYBABEL" init -i "$POT" -d "$DIR" -l en
fi
"$PYBABEL" compile -d "$DIR" --statistics

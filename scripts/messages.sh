#!/usr/bin/env bash
# Regenerate every Arabic catalogue: one per app (in <app>/locale) and the project's own
# (locale/, for templates/, core and absher). Then compile.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
apps="registry biometrics portal nafath civil_affairs passports fines visas payments notifications"
for a in $apps; do
  (cd "$a" && $PY ../manage.py makemessages -l ar --no-obsolete -v 0)
  (cd "$a" && $PY ../manage.py makemessages -d djangojs -l ar --no-obsolete -v 0 2>/dev/null || true)
done
ign=(--ignore=.venv --ignore=staticfiles --ignore=artifacts --ignore=var)
for a in $apps; do ign+=(--ignore="$a"); done
$PY manage.py makemessages -l ar --no-obsolete -v 0 "${ign[@]}"
$PY manage.py compilemessages --ignore=.venv -v 0

#!/usr/bin/env bash
# Everything a fresh clone needs, idempotent and quick when already done:
# system packages (Chromium for browser tests, gettext for translations, Arabic fonts),
# the virtualenv with the pinned packages, and compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-face.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages"
  .venv/bin/pip install -q --upgrade pip "setuptools<81" wheel
  .venv/bin/pip install -q -r requirements.txt
  # face_recognition wants to build dlib from source; dlib-bin (in requirements.txt) provides it.
  .venv/bin/pip install -q --no-deps -r requirements-face.txt
  echo "$want" > "$stamp"
fi

.venv/bin/python manage.py compilemessages --ignore=.venv -v 0

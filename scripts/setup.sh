#!/usr/bin/env bash
# Everything a fresh clone needs, idempotent and quick when already done:
# system packages (Chromium for browser tests, gettext for translations, Arabic fonts),
# the virtualenv with every dependency group of uv.lock (runtime, face, test, dev; hashes
# checked), and compiled translations. How to add a dependency: docs/tooling.md.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)   # the PDF tests render and read receipts
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# uv, pinned, installed with pip next to (not inside) the environment it manages.
UV_VERSION=0.13.9
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
UV=.venv/.tools/uv-$UV_VERSION/bin/uv
if [ ! -x "$UV" ]; then
  echo "setup: installing uv $UV_VERSION"
  "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore --target ".venv/.tools/uv-$UV_VERSION" "uv==$UV_VERSION"
fi

# Re-sync only when the lock, the project file or uv changed (the stamp holds their hash).
stamp=.venv/.lock.sha256
want=$(cat uv.lock pyproject.toml <(echo "uv $UV_VERSION") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages from uv.lock"
  # --locked: fail if uv.lock no longer matches pyproject.toml (run `uv lock`, see docs/tooling.md).
  UV_PROJECT_ENVIRONMENT=.venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
    "$UV" sync --locked --all-groups --python .venv/bin/python --quiet
  echo "$want" > "$stamp"
fi

# Browser-test tools from the npm registry, pinned by package-lock.json (axe-core for the
# accessibility tests). Re-installed only when the lock changed.
npm_stamp=node_modules/.lock.sha256
npm_want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$npm_want" > "$npm_stamp"
fi

# Compile the Arabic catalogues when a .mo is missing or older than its .po.
stale=$(find . -path ./.venv -prune -o -name '*.po' -print | while read -r po; do [ "${po%.po}.mo" -nt "$po" ] || echo "$po"; done)
if [ -n "$stale" ]; then
  .venv/bin/python manage.py compilemessages --ignore=.venv -v 0
fi

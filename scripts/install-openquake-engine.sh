#!/usr/bin/env bash
# Installs the OpenQuake Engine from PyPI into a virtual environment (default /opt/openquake/venv),
# or reuses the one there, with what it needs to run its own WebUI the way a team runs it (the
# original that test/parity and `npm run bench` compare us with): gunicorn, django-cookie-consent
# (imported by 3.26 in every mode but PUBLIC) and the registration e-mail templates that its urls.py
# insists on under LOCKDOWN. Usage: scripts/install-openquake-engine.sh [VENV] [VERSION]
#
# `pip install openquake.engine` alone fails on Linux: the engine requires `gdal`, for which PyPI
# has only a source package that needs a matching libgdal (gdal-config). GDAL is used only by the
# secondary-perils module; fiona, pyogrio and geopandas ship their own GDAL. So the engine is
# installed without its dependencies, then with every dependency it declares except gdal.
set -euo pipefail
venv="${1:-/opt/openquake/venv}"
version="${2:-}"
spec="openquake.engine${version:+==$version}"
# The venv's Python must be runnable by the service user and not live under /root or /home (the
# unit's ProtectHome hides them): the system's python3, not a pyenv one from root's PATH.
python="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"

# The WebUI's extras: gunicorn (its production server) and cookie_consent before 1.0 (1.0 dropped
# the `cookie_consent_accept_url` tag 3.26's templates use), Django 4.2 kept.
webui_ready() {
  "$venv/bin/python" -c 'import gunicorn, cookie_consent, importlib.metadata as m; assert m.version("django-cookie-consent") < "1"' 2>/dev/null && [ -x "$venv/bin/gunicorn" ]
}
install_webui_extras() {
  webui_ready || "$venv/bin/pip" install --quiet gunicorn 'django-cookie-consent<1' 'django>=4.2,<5'
  # under LOCKDOWN 3.26's urls.py asserts these exist; the operator makes them from the templates
  local reg
  reg="$("$venv/bin/python" -c 'import os, openquake.server as s; print(os.path.join(os.path.dirname(s.__file__), "templates", "registration"))')"
  for tmpl in "$reg"/*.txt.default.tmpl; do
    [ -e "${tmpl%.default.tmpl}" ] || cp "$tmpl" "${tmpl%.default.tmpl}"
  done
}

if [ -x "$venv/bin/oq" ] && "$venv/bin/python" -c 'import openquake.engine, h5py, numba' 2>/dev/null; then
  case "$(readlink -f "$venv/bin/python")" in
    /root/*|/home/*) echo "warning: $venv uses $(readlink -f "$venv/bin/python"), which the oq-webui service cannot run (ProtectHome); make the venv again with /usr/bin/python3" >&2 ;;
  esac
  install_webui_extras
  echo "OpenQuake Engine already installed in $venv: $("$venv/bin/oq" --version), gunicorn $("$venv/bin/gunicorn" --version | awk '{print $NF}' | tr -d ')')"
  exit 0
fi
start=$(date +%s)
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --no-deps "$spec"
"$venv/bin/python" - >"$venv/engine-requirements.txt" <<'PY'
from importlib.metadata import requires
print('\n'.join(r for r in requires('openquake.engine') if not r.split(';')[0].strip().lower().startswith('gdal')))
PY
# pip then notes "openquake-engine ... requires gdal ..., which is not installed": expected, see above
"$venv/bin/pip" install --quiet -r "$venv/engine-requirements.txt"
install_webui_extras
echo "OpenQuake Engine installed in $venv in $(( $(date +%s) - start )) s: $("$venv/bin/oq" --version)"

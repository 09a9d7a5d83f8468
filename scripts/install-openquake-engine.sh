#!/usr/bin/env bash
# Installs the OpenQuake Engine from PyPI into a virtual environment (default /opt/openquake/venv),
# or reuses the one there. Usage: scripts/install-openquake-engine.sh [VENV] [VERSION]
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

if [ -x "$venv/bin/oq" ] && "$venv/bin/python" -c 'import openquake.engine, h5py, numba' 2>/dev/null; then
  case "$(readlink -f "$venv/bin/python")" in
    /root/*|/home/*) echo "warning: $venv uses $(readlink -f "$venv/bin/python"), which the oq-webui service cannot run (ProtectHome); make the venv again with /usr/bin/python3" >&2 ;;
  esac
  echo "OpenQuake Engine already installed in $venv: $("$venv/bin/oq" --version)"
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
echo "OpenQuake Engine installed in $venv in $(( $(date +%s) - start )) s: $("$venv/bin/oq" --version)"

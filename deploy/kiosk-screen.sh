#!/bin/sh
# Shows the kiosk's page full screen: waits until the kiosk's server answers, then runs Chromium in kiosk mode
# on it with a throw-away profile (nothing of a visitor is kept on disk; deleted when Chromium ends).
# Run by deploy/kiosk-screen.service inside the cage Wayland compositor; by hand on a desktop it works too:
#   deploy/kiosk-screen.sh [URL]          (default http://127.0.0.1:8765/, or $KIOSK_SCREEN_URL)
set -eu
URL="${1:-${KIOSK_SCREEN_URL:-http://127.0.0.1:8765/}}"
BROWSER="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$BROWSER" ]; then
    echo "kiosk-screen: no Chromium found: apt-get install chromium" >&2
    exit 1
fi
HEALTH="$(printf '%s' "$URL" | sed -e 's/[?#].*$//' -e 's:/*$::')/health"
# Wait for the kiosk service (up to 2 minutes; the service manager restarts this script after that).
i=0
until python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$HEALTH" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 120 ]; then
        echo "kiosk-screen: the kiosk's page does not answer at $HEALTH: is kiosk.service running with screen = true?" >&2
        exit 1
    fi
    sleep 1
done
PROFILE="$(mktemp -d "${TMPDIR:-/tmp}/kiosk-chromium.XXXXXX")"
trap 'rm -rf "$PROFILE"' EXIT INT TERM
# --kiosk --app: full screen, no address bar, no tabs. --incognito and the temporary profile: no history,
# cache or form data kept. No network but the page: no sync, no updates, no translation, no crash bubbles.
"$BROWSER" --kiosk --app="$URL" --incognito --user-data-dir="$PROFILE" \
    --no-first-run --noerrdialogs --disable-infobars --disable-session-crashed-bubble \
    --disable-translate --disable-features=Translate,TranslateUI --disable-sync \
    --disable-background-networking --disable-component-update --check-for-update-interval=31536000 \
    --password-store=basic --overscroll-history-navigation=0 --disable-pinch \
    --autoplay-policy=no-user-gesture-required ${KIOSK_CHROMIUM_FLAGS:-} &
BROWSER_PID=$!
wait "$BROWSER_PID"

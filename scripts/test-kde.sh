#!/usr/bin/env bash
# The tests on KDE Plasma's notification server (tests/it/desktops.rs, `plasma_*`), which run
# only where plasmashell is installed: plasma-desktop is some 500 Debian packages, more than
# CI should install on every run. scripts/test.sh calls this when `plasmashell` is on PATH; to
# run it on its own (as root, as the other desktop tests: plasmashell runs as nobody):
#   apt-get install --no-install-recommends plasma-desktop xvfb xdotool imagemagick
#   bash scripts/test-kde.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v plasmashell >/dev/null; then
  echo "skipped: plasmashell not installed"
  exit 0
fi
for tool in Xvfb xdotool import setpriv dbus-daemon busctl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: the KDE tests need it" >&2; exit 1; }
done
[[ -x /usr/lib/x86_64-linux-gnu/libexec/kactivitymanagerd ]] || {
  echo "missing kactivitymanagerd (package kactivitymanagerd): plasmashell needs it" >&2
  exit 1
}
# The KDE tests are #[ignore]d so that a plain `cargo test` never passes them silently.
cargo test --locked --test it desktops::plasma_ -- --ignored

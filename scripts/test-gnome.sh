#!/usr/bin/env bash
# The tests on GNOME Shell (tests/it/desktops.rs, `gnome_*`), which run only where gnome-shell
# is installed: it is some 600 Debian packages, more than CI should install on every run.
# scripts/test.sh calls this when `gnome-shell` is on PATH; to run it on its own (as root, as
# the other desktop tests: the shell runs as nobody):
#   apt-get install --no-install-recommends gnome-shell gjs imagemagick dbus-daemon systemd
#   bash scripts/test-gnome.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gnome-shell >/dev/null; then
  echo "skipped: gnome-shell not installed"
  exit 0
fi
for tool in gjs convert setpriv dbus-daemon busctl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: the GNOME tests need it" >&2; exit 1; }
done
# The GNOME tests are #[ignore]d so that a plain `cargo test` never passes them silently.
cargo test --locked --test it desktops::gnome_ -- --ignored

#!/usr/bin/env bash
# The project's one test command (README and CI run exactly `bash scripts/test.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

# What the integration tests use — a command, or a file by its absolute path — each with
# the Debian package that provides it. chromium renders the progress report (with a font,
# since --no-install-recommends brings none).
needed=(dbus-daemon:dbus-daemon dunst:dunst Xvfb:xvfb busctl:systemd systemd-analyze:systemd
  chromium:chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core)
# The other notification servers tests/it/desktops.rs answers on, and what clicks and looks:
# xdotool clicks a button, ImageMagick's `import` finds it, sway hosts mako and swaync,
# setpriv runs sway as nobody, wtype types into swaync's control centre, grim looks at it;
# desktop-file-validate checks assets/closer.desktop.
needed+=(/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd:xfce4-notifyd
  /usr/lib/notification-daemon/notification-daemon:notification-daemon
  /usr/lib/mate-notification-daemon/mate-notification-daemon:mate-notification-daemon
  /usr/lib/x86_64-linux-gnu/notify-osd:notify-osd lxqt-notificationd:lxqt-notificationd
  mako:mako-notifier makoctl:mako-notifier sway:sway setpriv:util-linux
  swaync:sway-notification-center swaync-client:sway-notification-center wtype:wtype grim:grim
  xdotool:xdotool import:imagemagick desktop-file-validate:desktop-file-utils)
# man reads the manual pages, and the shells parse the completion scripts (tests/it/packaging.rs,
# scripts/deb-check.sh); dpkg builds and installs the Debian package, lintian checks it.
needed+=(man:man-db zsh:zsh fish:fish dpkg-deb:dpkg lintian:lintian)

# Prints the packages whose command or file is missing, one a line.
missing_packages() {
  for pair in "${needed[@]}"; do
    local what=${pair%%:*}
    if [[ $what == /* ]]; then [[ -e $what ]]; else command -v "$what" >/dev/null; fi || echo "${pair#*:}"
  done | sort -u
}

section "System packages: $(printf '%s ' "${needed[@]#*:}")"
# Install what is missing: as root, else through sudo, else say what to install.
mapfile -t missing < <(missing_packages)
if ((${#missing[@]})); then
  install=(sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null' sh "${missing[@]}")
  if ((EUID == 0)); then
    echo "installing ${missing[*]}" && "${install[@]}"
  elif command -v sudo >/dev/null; then
    echo "installing ${missing[*]} with sudo" && sudo "${install[@]}"
  else
    echo "missing packages; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  # Check that the install brought every command.
  [[ -z "$(missing_packages)" ]] || { echo "still missing: $(missing_packages)" >&2; exit 1; }
fi
echo "all present"

# Every step covers the whole workspace: the root crate `closer` and the core
# (crates/core), whose clippy.toml forbids it files, the environment, processes and the
# clock, so the clippy step is what keeps the core pure.
section "cargo fmt --all --check"
# Formatting is rustfmt's, with no exceptions.
cargo fmt --all --check

section "cargo clippy --workspace --all-targets --locked -- -D warnings"
# Lints over both libraries, the binary and every test target; any warning fails.
cargo clippy --workspace --all-targets --locked -- -D warnings

section "cargo test --workspace --locked"
# Unit tests of both crates, and the integration tests (against a private bus, Xvfb and
# the notification servers).
cargo test --workspace --locked

section "scripts/test-gnome.sh"
# The tests on GNOME Shell, where it is installed (test.sh does not install it: some 600
# packages).
if command -v gnome-shell >/dev/null; then
  bash scripts/test-gnome.sh
else
  echo "skipped: gnome-shell not installed"
fi

section "scripts/test-kde.sh"
# The tests on KDE Plasma, where it is installed (test.sh does not install it either).
if command -v plasmashell >/dev/null; then
  bash scripts/test-kde.sh
else
  echo "skipped: plasmashell not installed"
fi

section "scripts/deb-check.sh"
# The Debian package: built (release, fat LTO), checked, installed, run, removed.
bash scripts/deb-check.sh

section "scripts/install-check.sh"
# The README's install steps, as written, in a fresh HOME.
bash scripts/install-check.sh

section "the memory invariant, on the release binary the package holds"
# At most 2 MiB of anonymous memory after 100 wakes on a generated ten-year journal.
CLOSER_RELEASE_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/release/closer" \
  cargo test --locked --test it memory:: -- --ignored --nocapture

#!/usr/bin/env bash
# Builds the Debian package: target/debian/closer_<version>-1_<arch>.deb.
#
# The release binary writes its own manual pages (`closer man --dir`) and completion
# scripts (`closer completions SHELL`), so they describe exactly the binary packaged; the
# user unit is rendered from the same template `closer service install` uses, for
# /usr/bin/closer. [package.metadata.deb] in Cargo.toml says where each file goes.
# Needs cargo-deb: installs it (`cargo install cargo-deb --locked`) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
assets=$target/release/assets

if ! command -v cargo-deb >/dev/null; then
  echo "installing cargo-deb"
  cargo install cargo-deb --locked
fi

cargo build --release --locked

rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$target/release/closer" man --dir "$assets/man" >/dev/null
# Compressed as Debian policy asks (cargo-deb compresses only files from the source tree);
# -n leaves out the time, so the package is the same from the same sources.
gzip -9n "$assets"/man/*
for shell in bash zsh fish; do
  case $shell in
    bash) file=closer.bash ;;
    zsh) file=_closer ;;
    fish) file=closer.fish ;;
  esac
  "$target/release/closer" completions "$shell" >"$assets/completions/$file"
done

# The packaged unit: started with the desktop session, from /usr/bin, pointing to the
# manual pages the package installs (the template has no Documentation= line, since a
# cargo install has no pages, and `systemd-analyze verify` checks them with man). The
# template's opening comment speaks of `closer service install`, which does not write
# this one.
{
  cat <<'UNIT'
# Installed by the closer Debian package. Turn it on for your user with
#   systemctl --user enable --now closer.service
# and change a setting with `systemctl --user edit closer.service`.
UNIT
  sed -e '1,/^\[Unit\]/{/^#/d}' \
    -e '/^Description=/a Documentation=man:closer(1) man:closer(5)' \
    -e 's|@EXEC@|/usr/bin/closer|g' -e 's|@ARGS@||g' \
    -e 's|@TARGET@|graphical-session.target|g' service/closer.service
} >"$assets/closer.service"

cargo deb --no-build --locked

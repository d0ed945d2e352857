#!/usr/bin/env bash
# Runs the README's install steps as written, in a fresh HOME: the shell block that follows
# the line naming this script in README.md. Called by scripts/test.sh.
#
# The HOME is new and empty, and nothing of the caller's environment but PATH's cargo
# comes along, except what only makes it faster: the crate cache (CARGO_HOME) and the
# toolchain (RUSTUP_HOME) stay the caller's, `cargo install` installs into the fresh HOME
# (CARGO_INSTALL_ROOT, where it would install there by default), and it builds in the
# usual target dir, so the release build scripts/package.sh made is reused.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "install-check: $*" >&2; exit 1; }

# The block: from the first ```sh after the marker line to the closing fence.
block=$(awk '/scripts\/install-check.sh runs/ { found = 1; next }
  found && /^```sh$/ { inside = 1; next }
  inside && /^```$/ { exit }
  inside { print }' README.md)
[[ -n $block ]] || fail "README.md has no install block after the install-check marker"
printf 'README install steps:\n%s\n\n' "$block"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
home=$tmp/home
mkdir -p "$home"
cargo_bin=$(dirname "$(command -v cargo)")
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")

env -i \
  HOME="$home" \
  PATH="$home/.cargo/bin:$cargo_bin:/usr/local/bin:/usr/bin:/bin" \
  CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
  RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
  CARGO_INSTALL_ROOT="$home/.cargo" \
  CARGO_TARGET_DIR="$target" \
  TERM=dumb \
  bash -euo pipefail -c "$block" >"$tmp/out" 2>"$tmp/err" ||
  { cat "$tmp/out" "$tmp/err"; fail "the README's install steps failed"; }
cat "$tmp/out"

# What the steps should have left behind, in the fresh HOME and nowhere else.
[[ -x $home/.cargo/bin/closer ]] || fail "no closer in $home/.cargo/bin"
[[ -f $home/.config/closer/config.toml ]] || fail "closer init wrote no $home/.config/closer/config.toml"
grep -q '^closer ' "$tmp/out" || fail "closer --version printed nothing"
grep -q 'Wrote the default config' "$tmp/out" || fail "closer init said nothing"
grep -Eq '^[A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} .* step ' "$tmp/out" ||
  fail "closer next showed no step"
echo "install-check: the README's install steps work in a fresh HOME"

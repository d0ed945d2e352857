#!/usr/bin/env bash
# Runs the README's install steps as written, in a fresh HOME: the shell block that follows
# the line naming this script in README.md. Then, with the closer it installed, checks the
# words a new user reads: `closer next` while paused, `closer list` after `closer ladder
# enable`, and `closer run --defaults` in a HOME with nothing in it. Called by
# scripts/test.sh.
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

# A new user's first minutes, with the closer just installed and the config init wrote:
# the words a person reads when they pause, turn a ladder on and try the daemon.
in_home() { # HOME COMMAND...: runs COMMAND with only what the install steps had
  local h=$1; shift
  env -i HOME="$h" PATH="$home/.cargo/bin:/usr/local/bin:/usr/bin:/bin" TERM=dumb "$@"
}
expect() { # WHAT TEXT NEEDLE: NEEDLE must be a line of TEXT
  grep -qxF -- "$3" <<<"$2" || { printf '%s\n' "$2"; fail "$1 did not say: $3"; }
}

in_home "$home" closer pause >/dev/null
out=$(in_home "$home" closer next)
expect "closer next while paused" "$out" \
  "Prompts are paused until you resume; \`closer resume\` brings them back when you're ready."
out=$(in_home "$home" closer resume)
expect "closer resume" "$out" "Welcome back. Prompts are on again."

out=$(in_home "$home" closer ladder enable physical)
expect "closer ladder enable physical" "$out" "The physical ladder is on."
out=$(in_home "$home" closer list physical)
expect "closer list physical after ladder enable" "$out" "physical ladder"
in_home "$home" closer ladder disable physical >/dev/null
out=$(in_home "$home" closer list physical)
expect "closer list physical after ladder disable" "$out" \
  "The physical ladder is off. \`closer ladder enable physical\` turns it on."

# `run --defaults` in a HOME of its own, with nothing in it: what it leaves aside, and
# the config it runs on, until it says it runs (at most 10 s); then it is stopped.
fresh=$tmp/fresh
mkdir -p "$fresh"
# Not through in_home, whose subshell would be what `kill` ends: env and closer exec in
# place, so $! is closer's own pid.
env -i HOME="$fresh" PATH="$home/.cargo/bin:/usr/local/bin:/usr/bin:/bin" TERM=dumb \
  closer run --defaults 2>"$tmp/run.log" &
pid=$!
for _ in $(seq 100); do
  grep -q 'closer is running' "$tmp/run.log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
log=$(sed 's/^ *INFO //' "$tmp/run.log")
expect "closer run --defaults" "$log" \
  "running on the built-in default config; you have no config of your own yet, and \`closer init\` writes one"
expect "closer run --defaults" "$log" \
  "closer is running with 5 schedule rules from the built-in default config"
echo "install-check: next while paused, list after ladder enable and run --defaults say what is true"
echo "install-check: the README's install steps work in a fresh HOME"

#!/usr/bin/env bash
# Journal-age benchmark: does closer cost more as its journal grows old?
#
# Run by hand, not in CI:   bench/journal-age.sh
#   RUNS=30        hyperfine runs of `closer status` per journal
#   WAKES=100      SIGUSR1s sent to each daemon (each one is a wake that reads the journal,
#                  as after an answer from the terminal)
#   RELOADS=20     SIGHUPs sent afterwards (each one parses the config and content again)
#   KEEP_WORK=1    keep the temp folder (homes, journals, logs) afterwards
#   SKIP_BUILD=1   measure the release binary already built
#
# It makes three homes side by side: one with an empty journal, one with ten years of
# history (14,600 prompts sent, 7,300 answers, a ladder move every 100 days, written
# with sqlite3 into a journal that closer itself created, so the schema is closer's),
# and one with only the last 100 days of that history (as much as planning reads), and
# measures, in one run: `closer status` with each (hyperfine), and a daemon on each: its
# private and anonymous memory (/proc/PID/smaps_rollup) after WAKES wakes, the CPU time a
# wake costs, and its memory again after RELOADS reloads. The ten-year figures are given
# as ratios to the empty journal and to the 100-day one.
# See bench/README.md for how to read the output.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
CLOSER="$TARGET/release/closer"
RUNS="${RUNS:-30}"
WAKES="${WAKES:-100}"
RELOADS="${RELOADS:-20}"
KEEP_WORK="${KEEP_WORK:-0}"
WORK="$(mktemp -d -t closer-age.XXXXXX)"
DAEMONS=()

log() { printf '[age] %s\n' "$*" >&2; }
cleanup() {
  local rc=$? pid
  for pid in "${DAEMONS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${DAEMONS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "$KEEP_WORK" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for cmd in sqlite3 hyperfine; do
  if ! command -v "$cmd" >/dev/null; then
    log "installing $cmd"
    DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=120 install "$cmd" >/dev/null
  fi
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building closer (release)"
  (cd "$REPO" && cargo build --release --quiet)
fi

# A home: its own XDG dirs, a config with one rule that sends on 1 January only, so the
# daemon sits between wakes, and no session bus (prompts would go to stderr).
home_env() {
  local h="$1"
  printf '%s\n' env -i "PATH=$PATH" "HOME=$h" "XDG_CONFIG_HOME=$h/config" \
    "XDG_DATA_HOME=$h/data" "XDG_STATE_HOME=$h/state" "XDG_RUNTIME_DIR=$h/run" "TZ=UTC" \
    "DBUS_SESSION_BUS_ADDRESS=unix:path=$h/no-bus"
}
make_home() {
  local h="$WORK/$1"
  mkdir -p "$h/config/closer"
  cat >"$h/config/closer/config.toml" <<'EOF'
timezone = "UTC"
[content]
ladders = ["emotional", "intellectual", "experiential"]
[[schedule]]
name = "new year"
send = "learn"
cron = "0 9 1 1 *"
EOF
  # closer creates the journal (and its schema); `resume` writes nothing else that stays.
  mapfile -t ENV < <(home_env "$h")
  "${ENV[@]}" "$CLOSER" resume >/dev/null
}

# Ten years, ending now: four prompts a day (two steps, two kind words), every step
# answered (mostly done, now and then hard), a move every 100 days on one of three ladders.
fill_ten_years() {
  sqlite3 "$1" <"$REPO/bench/ten-years.sql"
}

make_home empty
make_home tenyear
JOURNAL="$WORK/tenyear/data/closer/journal.sqlite3"
log "writing ten years into $JOURNAL"
fill_ten_years "$JOURNAL"
read -r SENT ANSWERS MOVES < <(sqlite3 -separator ' ' "$JOURNAL" \
  "SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM answer), (SELECT count(*) FROM move)")
log "ten-year journal: $SENT prompts, $ANSWERS answers, $MOVES moves, $(du -h "$JOURNAL" | cut -f1)"
# The same history's last 100 days only: what planning reads (92 days) is the same as with
# ten years, so the two differ only in the journal's age.
make_home hundred
cp "$JOURNAL" "$WORK/hundred/data/closer/journal.sqlite3"
sqlite3 "$WORK/hundred/data/closer/journal.sqlite3" <<'EOF'
DELETE FROM answer WHERE sent_id IN
  (SELECT id FROM sent WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 days'));
DELETE FROM sent WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 days');
DELETE FROM move WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 days');
VACUUM;
EOF

HOMES=(empty hundred tenyear)

# --- `closer status`, all three journals in one hyperfine run -------------------------
ARGS=()
for h in "${HOMES[@]}"; do
  mapfile -t E < <(home_env "$WORK/$h")
  ARGS+=(-n "$h" "${E[*]} $CLOSER status")
done
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/status.json" "${ARGS[@]}" >&2
mean_ms() {
  sed -n '/"command": "'"$1"'"/,/"mean"/p' "$WORK/status.json" |
    sed -n 's/.*"mean": \([0-9.e-]*\).*/\1/p' | awk '{ printf "%.2f", $1 * 1000 }'
}

# --- the daemon on each ---------------------------------------------------------------
kib() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/smaps_rollup"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
private() { echo $(($(kib "$1" Private_Clean) + $(kib "$1" Private_Dirty))); }
declare -A PID STATUS T0 WAKE PRIV ANON RPRIV RANON
for h in "${HOMES[@]}"; do
  mapfile -t env < <(home_env "$WORK/$h")
  "${env[@]}" "$CLOSER" run --verbose >/dev/null 2>"$WORK/$h/daemon.log" </dev/null &
  PID[$h]=$!
  DAEMONS+=("$!")
  STATUS[$h]="$(mean_ms "$h")"
done
alive() {
  local h
  for h in "${HOMES[@]}"; do
    kill -0 "${PID[$h]}" 2>/dev/null ||
      { log "the daemon on $h stopped:"; cat "$WORK/$h/daemon.log" >&2; exit 1; }
  done
}
# Sends signal $1 to every daemon, $2 times, a little apart.
signal_all() {
  local h
  for _ in $(seq "$2"); do
    for h in "${HOMES[@]}"; do kill "-$1" "${PID[$h]}"; done
    sleep 0.1
  done
  sleep 1
  alive
}
sleep 3
alive
for h in "${HOMES[@]}"; do T0[$h]="$(cpu_ticks "${PID[$h]}")"; done
signal_all USR1 "$WAKES"
HZ="$(getconf CLK_TCK)"
for h in "${HOMES[@]}"; do
  p="${PID[$h]}"
  WAKE[$h]="$(awk -v a="${T0[$h]}" -v b="$(cpu_ticks "$p")" -v n="$WAKES" -v hz="$HZ" \
    'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')"
  PRIV[$h]="$(private "$p")"
  ANON[$h]="$(kib "$p" Anonymous)"
done
signal_all HUP "$RELOADS"
for h in "${HOMES[@]}"; do
  RPRIV[$h]="$(private "${PID[$h]}")"
  RANON[$h]="$(kib "${PID[$h]}" Anonymous)"
done

mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
same() { echo "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f×", b / a; else print "–" }'; }
# One row of the table: a label, the array of figures by home, how to print a figure.
row() {
  local label="$1" fmt="$3"
  local -n of="$2"
  echo "| $label | $($fmt "${of[empty]}") | $($fmt "${of[hundred]}") | $($fmt "${of[tenyear]}") |" \
    "$(ratio "${of[empty]}" "${of[tenyear]}") | $(ratio "${of[hundred]}" "${of[tenyear]}") |"
}
echo
echo "closer $("$CLOSER" --version | awk '{ print $2 }'), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores;" \
  "ten years = $SENT prompts, $ANSWERS answers, $MOVES moves"
echo
echo "| measure | empty journal | last 100 days | ten years | ten years ÷ empty | ten years ÷ 100 days |"
echo "|---|---|---|---|---|---|"
row "\`closer status\`, mean of $RUNS (ms)" STATUS same
row "daemon private memory after $WAKES wakes (MiB)" PRIV mib
row "daemon anonymous memory after $WAKES wakes (MiB)" ANON mib
row "CPU per wake, mean of $WAKES (ms)" WAKE same
row "private memory after $RELOADS more reloads (MiB)" RPRIV mib
row "anonymous memory after $RELOADS more reloads (MiB)" RANON mib
echo
echo "private memory with ten years: $(mib $((PRIV[tenyear] - PRIV[empty]))) MiB over an empty" \
  "journal, $(mib $((PRIV[tenyear] - PRIV[hundred]))) MiB over 100 days"

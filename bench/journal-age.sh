#!/usr/bin/env bash
# Journal-age benchmark: does closer cost more as its journal grows old?
#
# Run by hand, not in CI:   bench/journal-age.sh
#   RUNS=30        hyperfine runs of `closer status` per journal
#   WAKES=20       SIGUSR1s sent to each daemon (each one is a wake that reads the journal,
#                  as after an answer from the terminal)
#   RELOADS=20     SIGHUPs sent afterwards (each one parses the config and content again)
#   KEEP_WORK=1    keep the temp folder (homes, journals, logs) afterwards
#   SKIP_BUILD=1   measure the release binary already built
#
# It makes two homes side by side, one with an empty journal and one with ten years of
# history (14,600 prompts sent, 7,300 answers, a ladder move every 100 days, written
# with sqlite3 into a journal that closer itself created, so the schema is closer's),
# and measures, in one run: `closer status` with each (hyperfine), and a daemon on each:
# its private and anonymous memory (/proc/PID/smaps_rollup) after WAKES wakes, the CPU
# time a wake costs, and its memory again after RELOADS reloads. Figures are given as
# ratios to the empty journal.
# See bench/README.md for how to read the output.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
CLOSER="$TARGET/release/closer"
RUNS="${RUNS:-30}"
WAKES="${WAKES:-20}"
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
  sqlite3 "$1" <<'EOF'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 14599)
INSERT INTO sent (id, at, due, rule, category, prompt, ladder, rung)
SELECT i + 1,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', (14600 - i) * 360)),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', (14600 - i) * 360)),
       CASE WHEN i % 2 = 0 THEN 'steps' ELSE 'kind words' END,
       CASE WHEN i % 2 = 0 THEN 'step' ELSE 'compassion' END,
       CASE WHEN i % 2 = 0
            THEN printf('%s-%d', CASE (i / 2) % 3 WHEN 0 THEN 'emotional'
                                 WHEN 1 THEN 'intellectual' ELSE 'experiential' END,
                        1 + (i / 1200) % 12)
            ELSE 'compassion-warmth-first' END,
       CASE WHEN i % 2 = 0 THEN CASE (i / 2) % 3 WHEN 0 THEN 'emotional'
                                WHEN 1 THEN 'intellectual' ELSE 'experiential' END END,
       CASE WHEN i % 2 = 0 THEN 1 + (i / 1200) % 12 END
FROM n;
INSERT INTO answer (sent_id, at, kind, distress, happened, source)
SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', at, '+30 minutes'),
       CASE WHEN id % 7 = 0 THEN 'hard' ELSE 'done' END, id % 9, id % 2, 'terminal'
FROM sent WHERE category = 'step';
WITH RECURSIVE m(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM m WHERE k < 36)
INSERT INTO move (at, ladder, from_rung, to_rung, reason)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d days', 3650 - k * 100)),
       CASE k % 3 WHEN 0 THEN 'emotional' WHEN 1 THEN 'intellectual' ELSE 'experiential' END,
       1 + (k / 3) % 11, 2 + (k / 3) % 11, 'bench'
FROM m;
COMMIT;
EOF
}

make_home empty
make_home tenyear
JOURNAL="$WORK/tenyear/data/closer/journal.sqlite3"
log "writing ten years into $JOURNAL"
fill_ten_years "$JOURNAL"
read -r SENT ANSWERS MOVES < <(sqlite3 -separator ' ' "$JOURNAL" \
  "SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM answer), (SELECT count(*) FROM move)")
log "ten-year journal: $SENT prompts, $ANSWERS answers, $MOVES moves, $(du -h "$JOURNAL" | cut -f1)"

# --- `closer status`, both journals in one hyperfine run -----------------------------
mapfile -t E < <(home_env "$WORK/empty")
mapfile -t T < <(home_env "$WORK/tenyear")
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/status.json" \
  -n empty "${E[*]} $CLOSER status" -n ten-years "${T[*]} $CLOSER status" >&2
mean_ms() {
  sed -n '/"command": "'"$1"'"/,/"mean"/p' "$WORK/status.json" |
    sed -n 's/.*"mean": \([0-9.e-]*\).*/\1/p' | awk '{ printf "%.2f", $1 * 1000 }'
}
S_EMPTY="$(mean_ms empty)"
S_TEN="$(mean_ms ten-years)"

# --- the daemon on each ---------------------------------------------------------------
kib() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/smaps_rollup"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Starts `closer run` in home $1; its pid goes to $STARTED (and to DAEMONS, for cleanup).
start_daemon() {
  local h="$WORK/$1" env
  mapfile -t env < <(home_env "$h")
  "${env[@]}" "$CLOSER" run --verbose >/dev/null 2>"$h/daemon.log" </dev/null &
  STARTED=$!
  DAEMONS+=("$STARTED")
}
start_daemon empty
P_EMPTY=$STARTED
start_daemon tenyear
P_TEN=$STARTED
sleep 3
T0_EMPTY="$(cpu_ticks "$P_EMPTY")"
T0_TEN="$(cpu_ticks "$P_TEN")"
for _ in $(seq "$WAKES"); do
  kill -USR1 "$P_EMPTY" "$P_TEN"
  sleep 0.3
done
sleep 1
HZ="$(getconf CLK_TCK)"
wake_ms() { awk -v a="$1" -v b="$2" -v n="$WAKES" -v hz="$HZ" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }'; }
W_EMPTY="$(wake_ms "$T0_EMPTY" "$(cpu_ticks "$P_EMPTY")")"
W_TEN="$(wake_ms "$T0_TEN" "$(cpu_ticks "$P_TEN")")"
for p in "$P_EMPTY" "$P_TEN"; do
  kill -0 "$p" 2>/dev/null || { log "a daemon stopped:"; cat "$WORK"/*/daemon.log >&2; exit 1; }
done
private() { echo $(($(kib "$1" Private_Clean) + $(kib "$1" Private_Dirty))); }
PR_EMPTY="$(private "$P_EMPTY")"
PR_TEN="$(private "$P_TEN")"
AN_EMPTY="$(kib "$P_EMPTY" Anonymous)"
AN_TEN="$(kib "$P_TEN" Anonymous)"
for _ in $(seq "$RELOADS"); do
  kill -HUP "$P_EMPTY" "$P_TEN"
  sleep 0.3
done
sleep 1
for p in "$P_EMPTY" "$P_TEN"; do
  kill -0 "$p" 2>/dev/null || { log "a daemon stopped:"; cat "$WORK"/*/daemon.log >&2; exit 1; }
done
RPR_EMPTY="$(private "$P_EMPTY")"
RPR_TEN="$(private "$P_TEN")"
RAN_EMPTY="$(kib "$P_EMPTY" Anonymous)"
RAN_TEN="$(kib "$P_TEN" Anonymous)"

mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f×", b / a; else print "–" }'; }
echo
echo "closer $("$CLOSER" --version | awk '{ print $2 }'), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores;" \
  "ten years = $SENT prompts, $ANSWERS answers, $MOVES moves"
echo
echo "| measure | empty journal | ten-year journal | ratio |"
echo "|---|---|---|---|"
echo "| \`closer status\`, mean of $RUNS (ms) | $S_EMPTY | $S_TEN | $(ratio "$S_EMPTY" "$S_TEN") |"
echo "| daemon private memory after $WAKES wakes (MiB) | $(mib "$PR_EMPTY") | $(mib "$PR_TEN") | $(ratio "$PR_EMPTY" "$PR_TEN") |"
echo "| daemon anonymous memory after $WAKES wakes (MiB) | $(mib "$AN_EMPTY") | $(mib "$AN_TEN") | $(ratio "$AN_EMPTY" "$AN_TEN") |"
echo "| CPU per wake, mean of $WAKES (ms) | $W_EMPTY | $W_TEN | $(ratio "$W_EMPTY" "$W_TEN") |"
echo "| private memory after $RELOADS more reloads (MiB) | $(mib "$RPR_EMPTY") | $(mib "$RPR_TEN") | $(ratio "$RPR_EMPTY" "$RPR_TEN") |"
echo "| anonymous memory after $RELOADS more reloads (MiB) | $(mib "$RAN_EMPTY") | $(mib "$RAN_TEN") | $(ratio "$RAN_EMPTY" "$RAN_TEN") |"
echo
echo "private growth with ten years: $(mib $((PR_TEN - PR_EMPTY))) MiB"

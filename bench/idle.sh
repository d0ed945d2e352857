#!/usr/bin/env bash
# Idle benchmark: how quiet and how small is `closer run` between prompts,
# next to the same schedule built on tokio-cron-scheduler (bench/tcs-baseline).
#
# Run by hand, not in CI:   bench/idle.sh
#   DURATION=60          measurement window in seconds
#   PROGRAMS="closer baseline"   which programs to measure (either or both)
#   STARTUP_RUNS=20      runs averaged for closer's start-up time
#   KEEP_WORK=1          keep the temp folder (programs' logs, config) afterwards
#
# Both programs run side by side in the same window with a real notification
# server to talk to (dunst on Xvfb, on a private session bus), so neither is
# idle only because it has nothing to connect to; the report says how many bus
# connections each one holds.
# See bench/README.md for how to read the output.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASELINE_DIR="$REPO/bench/tcs-baseline"
# Where cargo puts what it builds: CARGO_TARGET_DIR, when set, holds both programs.
CLOSER_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/closer"
BASELINE_BIN="${CARGO_TARGET_DIR:-$BASELINE_DIR/target}/release/tcs-baseline"

DURATION="${DURATION:-60}"
PROGRAMS="${PROGRAMS:-closer baseline}"
STARTUP_RUNS="${STARTUP_RUNS:-20}"
KEEP_WORK="${KEEP_WORK:-0}"
SETTLE=2 # seconds after start before the first reading: start-up is not idle
WARMUP=4 # seconds after the config is written until closer's warm-up prompt

WORK="$(mktemp -d -t closer-idle.XXXXXX)"
declare -A PID=() # program name -> pid
BG_PIDS=()        # everything we started, stopped in reverse order on exit

log() { printf '[idle] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- teardown ----------------------------------------------------------------

cleanup() {
  local rc=$? i
  # Stop in reverse start order: programs first, the bus last.
  for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
    kill "${BG_PIDS[i]}" 2>/dev/null || true
  done
  for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
    wait "${BG_PIDS[i]}" 2>/dev/null || true
  done
  if [[ -n "${DBUS_PID:-}" ]]; then kill "$DBUS_PID" 2>/dev/null || true; fi
  if [[ "$KEEP_WORK" == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # run the EXIT trap on Ctrl-C too

# --- 1. system parts and builds ----------------------------------------------

ensure_packages() {
  # command -> Debian package, installed only where missing (as a test script would).
  local -A need=([dbus-daemon]=dbus-daemon [dbus-send]=dbus-bin [Xvfb]=xvfb [dunst]=dunst)
  local missing=() cmd
  # Wait for the dpkg lock rather than fail if another apt-get is running.
  local apt=(apt-get -qq -y -o DPkg::Lock::Timeout=120)
  for cmd in "${!need[@]}"; do
    command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null
  fi
  # hyperfine only makes the start-up timing nicer; a bash loop stands in.
  if wants closer && ! command -v hyperfine >/dev/null; then
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install hyperfine >/dev/null 2>&1 ||
      log "hyperfine not available; timing start-up with a bash loop"
  fi
}

wants() { [[ " $PROGRAMS " == *" $1 "* ]]; }

build() {
  if wants closer; then
    log "building closer (release)"
    (cd "$REPO" && cargo build --release --quiet) || die "closer did not build"
  fi
  if wants baseline; then
    log "building tcs-baseline (release)"
    (cd "$BASELINE_DIR" && cargo build --release --quiet) || die "tcs-baseline did not build"
  fi
}

# --- 2. private desktop session: bus, X server, notification server ----------

start_session() {
  # A session bus with no service directories: nothing gets auto-activated,
  # so the only notification server is the dunst we start.
  cat >"$WORK/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$WORK</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  dbus-daemon --config-file="$WORK/bus.conf" --fork \
    --print-address=1 --print-pid=1 >"$WORK/bus.out"
  DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p "$WORK/bus.out")"
  DBUS_PID="$(sed -n 2p "$WORK/bus.out")"
  export DBUS_SESSION_BUS_ADDRESS

  # -displayfd lets Xvfb pick a free display itself and tell us which.
  Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 3>"$WORK/display" \
    >"$WORK/xvfb.log" 2>&1 &
  BG_PIDS+=($!)
  wait_for "Xvfb" test -s "$WORK/display"
  DISPLAY=":$(head -n1 "$WORK/display")"
  export DISPLAY
  unset WAYLAND_DISPLAY

  # Never the user's config; notifications stay until closed, so a program that shows
  # one holds its D-Bus connection through the window, as on GNOME.
  printf '[urgency_normal]\n  timeout = 0\n' >"$WORK/dunstrc"
  dunst -config "$WORK/dunstrc" >"$WORK/dunst.log" 2>&1 &
  BG_PIDS+=($!)
  wait_for "dunst on the bus" notifications_owned
  log "session: bus $DBUS_SESSION_BUS_ADDRESS, display $DISPLAY, dunst up"
}

notifications_owned() {
  dbus_call NameHasOwner string:org.freedesktop.Notifications | grep -q 'boolean true'
}

# How many connections the process with this pid holds on our bus: proof that
# a program is idle while connected, not idle because it never connected.
bus_connections() {
  local pid=$1 name n=0
  for name in $(dbus_call ListNames | awk -F'"' '/string ":/ { print $2 }'); do
    [[ "$(dbus_call GetConnectionUnixProcessID "string:$name" | awk '/uint32/ { print $2 }')" == "$pid" ]] &&
      n=$((n + 1))
  done
  echo "$n"
}

dbus_call() { # dbus_call METHOD [ARG] : a call to the bus itself
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    "org.freedesktop.DBus.$1" "${@:2}" 2>/dev/null || true
}

wait_for() { # wait_for WHAT CMD... : poll up to 10 s
  local what=$1 i
  shift
  for ((i = 0; i < 100; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  die "timed out waiting for $what"
}

# --- 3. closer's config and private dirs --------------------------------------

write_config() {
  # The shipped default, plus one warm-up prompt a few seconds after start, so that closer
  # holds a live D-Bus connection (its open notification's) through the window, as the
  # baseline does. Quiet hours are off so the warm-up is not deferred at night.
  # In a directory of its own: closer watches its config's directory, and the files this
  # script writes into $WORK would wake it.
  mkdir -p "$WORK/closer-config"
  CFG="$WORK/closer-config/config.toml"
  local at
  at=$(date -u -d "+${WARMUP} seconds" '+%-S %-M %-H')
  sed 's/^quiet_hours = .*/quiet_hours = "off"/' "$REPO/config/default.toml" >"$CFG"
  printf '\n[[schedule]]\nname = "bench warm-up"\nsend = "compassion"\ncron = "%s * * *"\n' "$at" >>"$CFG"
  # The default config says timezone = "local"; pin local time to UTC so it
  # matches the baseline's UTC cron jobs.
  export TZ=UTC
  # Keep both programs away from the real user's files.
  local d
  for d in config data state runtime; do mkdir -p "$WORK/xdg/$d"; done
  chmod 700 "$WORK/xdg/runtime"
  export XDG_CONFIG_HOME="$WORK/xdg/config" XDG_DATA_HOME="$WORK/xdg/data"
  export XDG_STATE_HOME="$WORK/xdg/state" XDG_RUNTIME_DIR="$WORK/xdg/runtime"
  log "closer config: $CFG"
}

# --- 4. measuring --------------------------------------------------------------

start_program() { # start_program NAME CMD...
  local name=$1
  shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  BG_PIDS+=($!)
}

# A dead child may linger as a zombie, which kill -0 would still find.
is_running() { [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

alive_or_die() {
  local name=$1
  if ! is_running "${PID[$name]}"; then
    log "$name (pid ${PID[$name]}) is not running; last lines of its log:"
    tail -n 30 "$WORK/$name.log" >&2
    die "$name died"
  fi
}

# One line per thread: "tid voluntary nonvoluntary". Threads may come and go
# between the two readings, so they are matched by tid later.
switch_snapshot() {
  local pid=$1 status
  for status in /proc/"$pid"/task/*/status; do
    awk -v f="$status" '
      /^Pid:/ { tid = $2 }
      /^voluntary_ctxt_switches:/ { v = $2 }
      /^nonvoluntary_ctxt_switches:/ { n = $2 }
      END { if (tid != "") print tid, v, n }' "$status" 2>/dev/null || true # thread exited meanwhile
  done
}

# Prints "wakeups born gone": switches in the window summed over threads.
# A thread born in the window counts from 0; one that ended in the window has
# its last few switches lost (the kernel keeps them only for getrusage).
wakeups_between() {
  awk '
    NR == FNR { before[$1] = $2 + $3; next }
    { after = $2 + $3
      if ($1 in before) { sum += after - before[$1]; delete before[$1] }
      else { sum += after; born++ } }
    END { for (t in before) gone++; printf "%d %d %d\n", sum, born, gone }' "$1" "$2"
}

mem_kib() { # mem_kib PID FIELD... : sum of those smaps_rollup fields, in KiB
  local pid=$1
  shift
  awk -v want=" $* " 'index(want, " " substr($1, 1, length($1) - 1) " ") { s += $2 } END { print s + 0 }' \
    "/proc/$pid/smaps_rollup"
}

thread_count() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

measure_window() {
  local name t0 t1
  for name in "${!PID[@]}"; do alive_or_die "$name"; done
  for name in "${!PID[@]}"; do switch_snapshot "${PID[$name]}" >"$WORK/$name.before"; done
  t0=$(date +%s%N)
  log "measuring ${DURATION}s of idle for: ${!PID[*]}"
  sleep "$DURATION"
  for name in "${!PID[@]}"; do
    alive_or_die "$name"
    switch_snapshot "${PID[$name]}" >"$WORK/$name.after"
  done
  t1=$(date +%s%N)
  WINDOW_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')

  for name in "${!PID[@]}"; do
    local pid=${PID[$name]} w born gone
    read -r w born gone < <(wakeups_between "$WORK/$name.before" "$WORK/$name.after")
    ((born + gone == 0)) || log "note: $name: $born thread(s) started, $gone ended during the window"
    WAKEUPS[$name]=$w
    RSS[$name]=$(mem_kib "$pid" Rss)
    PRIVATE[$name]=$(mem_kib "$pid" Private_Clean Private_Dirty)
    ANON[$name]=$(mem_kib "$pid" Anonymous)
    THREADS[$name]=$(thread_count "$pid")
    BUS[$name]=$(bus_connections "$pid")
  done
}
declare -A WAKEUPS=() RSS=() PRIVATE=() ANON=() THREADS=() BUS=()

# Mean wall time in ms of a command, over STARTUP_RUNS runs.
mean_ms() {
  if command -v hyperfine >/dev/null; then
    # -N: no intermediate shell, so only the program's own start is timed.
    hyperfine -N --style none --warmup 3 --runs "$STARTUP_RUNS" \
      --export-csv "$WORK/hf.csv" "$(printf '%q ' "$@")" >/dev/null 2>&1 ||
      die "hyperfine failed on: $*"
    # Columns: command,mean,... in seconds. The command column may hold commas,
    # so find "mean" counting from the right-hand end.
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "mean") back = NF - i }
             NR == 2 { printf "%.2f", $(NF - back) * 1000 }' "$WORK/hf.csv"
  else
    local i t0 total=0
    "$@" >/dev/null 2>&1 || die "failed: $*" # warm the page cache
    for ((i = 0; i < STARTUP_RUNS; i++)); do
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1 || die "failed: $*"
      total=$((total + $(date +%s%N) - t0))
    done
    awk -v t="$total" -v n="$STARTUP_RUNS" 'BEGIN { printf "%.2f", t / n / 1e6 }'
  fi
}

# --- 5. report -----------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
per_hour() { awk -v w="$1" -v s="$WINDOW_S" 'BEGIN { printf "%.0f", w * 3600 / s }'; }

# "closer/baseline" as a ratio, or "0 vs N" where closer's figure is zero.
# ratio A B [SHOWN_A SHOWN_B]: divides the raw figures, shows the rounded ones.
ratio() {
  awk -v a="$1" -v b="$2" -v sa="${3:-$1}" -v sb="${4:-$2}" 'BEGIN {
    if (a == 0) printf "0 vs %s", sb
    else if (b == 0) printf "%s vs 0", sa
    else printf "%.2f× (%s vs %s)", a / b, sa, sb }'
}

mem_ratio() { # mem_ratio ARRAY : closer/baseline for one memory figure (KiB)
  local -n kib=$1
  ratio "${kib[closer]}" "${kib[baseline]}" "$(mib "${kib[closer]}")" "$(mib "${kib[baseline]}")"
}

report() {
  local name
  echo
  echo "Idle window: ${WINDOW_S} s, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
  echo
  echo "| program | wakeups in window | wakeups/hour | RSS MiB | private MiB | anonymous MiB | threads |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for name in closer baseline; do
    [[ -n "${WAKEUPS[$name]:-}" ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$name")" "${WAKEUPS[$name]}" \
      "$(per_hour "${WAKEUPS[$name]}")" "$(mib "${RSS[$name]}")" "$(mib "${PRIVATE[$name]}")" \
      "$(mib "${ANON[$name]}")" "${THREADS[$name]}"
  done
  if [[ -n "${WAKEUPS[closer]:-}" && -n "${WAKEUPS[baseline]:-}" ]]; then
    echo
    echo "closer/baseline: wakeups/hour $(ratio "$(per_hour "${WAKEUPS[closer]}")" "$(per_hour "${WAKEUPS[baseline]}")")," \
      "RSS $(mem_ratio RSS), private $(mem_ratio PRIVATE), anonymous $(mem_ratio ANON)"
  fi
  echo
  for name in closer baseline; do
    [[ -n "${BUS[$name]:-}" ]] || continue
    echo "$(label "$name"): ${BUS[$name]} D-Bus connection(s) open at the end of the window"
  done
  if [[ -n "${STARTUP_NEXT:-}" ]]; then
    echo
    echo "closer start-up (mean of $STARTUP_RUNS, $TIMER): \`closer next --count 1\` ${STARTUP_NEXT} ms," \
      "\`closer --help\` ${STARTUP_HELP} ms, ratio $(awk -v a="$STARTUP_NEXT" -v b="$STARTUP_HELP" 'BEGIN { printf "%.2f×", a / b }')"
  fi
}

label() {
  case $1 in
    closer) echo "closer" ;;
    baseline) echo "tokio-cron-scheduler baseline" ;;
  esac
}

# --- main ----------------------------------------------------------------------

main() {
  local p
  for p in $PROGRAMS; do
    [[ $p == closer || $p == baseline ]] || die "unknown program in PROGRAMS: $p"
  done
  [[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || die "DURATION must be a positive integer"

  ensure_packages
  build
  start_session
  write_config

  if wants closer; then
    [[ -x "$CLOSER_BIN" ]] || die "no $CLOSER_BIN"
    start_program closer "$CLOSER_BIN" --config "$CFG" run
    wait_for "closer's warm-up prompt" grep -q "sent compassion" "$WORK/closer.log"
  fi
  if wants baseline; then
    start_program baseline "$BASELINE_BIN"
  fi
  sleep "$SETTLE"
  measure_window

  # Start-up timing after the window, so it cannot disturb the idle figures.
  if wants closer; then
    TIMER=$(command -v hyperfine >/dev/null && echo hyperfine || echo "bash loop")
    log "timing closer start-up ($STARTUP_RUNS runs each)"
    STARTUP_NEXT=$(mean_ms "$CLOSER_BIN" next --count 1 --config "$CFG")
    STARTUP_HELP=$(mean_ms "$CLOSER_BIN" --help)
  fi

  report
}

main "$@"

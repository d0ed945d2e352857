#!/usr/bin/env bash
# Fuzzes what reads a person's input — the config and content parsers, windows, days,
# durations, cron triggers — and the planner on every config that loads cleanly, for a
# bounded time. It runs the property tests of tests/it/fuzz.rs in rounds, each with a fresh
# random seed and CLOSER_FUZZ_CASES cases per property, until FUZZ_SECONDS have passed;
# the round still running then is stopped and counts as done. The build comes first and
# is not counted. The build is optimised but keeps debug assertions and overflow checks
# (a `fuzz` profile set up here through cargo's environment; output in target/fuzz/), so
# arithmetic overflow is caught too.
#
# Exits 1 when a property fails, after printing the shrunk input and the round's seed;
# rerun that round with FUZZ_SEED=<seed> FUZZ_CASES=<cases>. Every failure becomes a plain
# test in tests/it/fuzz_regressions.rs.
#
#   bash scripts/fuzz.sh                     # two minutes
#   FUZZ_SECONDS=900 bash scripts/fuzz.sh    # fifteen
#   FUZZ_CASES=50000                         # cases per property in a round (default 20000)
#   FUZZ_SEED=1234                           # one round with this seed, to replay a failure
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-120}
cases=${FUZZ_CASES:-20000}
[[ $seconds =~ ^[0-9]+$ && $cases =~ ^[0-9]+$ ]] || {
  echo "FUZZ_SECONDS and FUZZ_CASES must be whole numbers" >&2
  exit 2
}

export CARGO_PROFILE_FUZZ_INHERITS=release
export CARGO_PROFILE_FUZZ_OPT_LEVEL=3
export CARGO_PROFILE_FUZZ_LTO=false
export CARGO_PROFILE_FUZZ_CODEGEN_UNITS=16
export CARGO_PROFILE_FUZZ_DEBUG_ASSERTIONS=true
export CARGO_PROFILE_FUZZ_OVERFLOW_CHECKS=true
export CARGO_PROFILE_FUZZ_STRIP=false

echo "==> cargo test --profile fuzz --test it --no-run"
build_log=$(mktemp)
trap 'rm -f "$build_log" "${round_log:-}"' EXIT
if ! cargo test --profile fuzz --test it --no-run 2>"$build_log"; then
  cat "$build_log" >&2
  exit 1
fi
binary=$(sed -n 's/^ *Executable tests\/it\/main\.rs (\(.*\))$/\1/p' "$build_log" | tail -n 1)
[[ -x $binary ]] || {
  cat "$build_log" >&2
  echo "cannot find the test binary in cargo's output" >&2
  exit 1
}

new_seed() { od -An -N8 -tu8 /dev/urandom | tr -d ' '; }

echo "==> $binary, rounds of CLOSER_FUZZ_CASES=$cases, for ${seconds}s"
round_log=$(mktemp)
start=$SECONDS
rounds=0
total_seconds() { echo $((SECONDS - start)); }
while :; do
  if [[ -n ${FUZZ_SEED:-} ]]; then
    seed=$FUZZ_SEED
    limit=$((365 * 86400))
  else
    limit=$((seconds - (SECONDS - start)))
    ((limit > 0)) || break
    seed=$(new_seed)
  fi
  round_start=$SECONDS
  status=0
  CLOSER_FUZZ_CASES=$cases PROPTEST_RNG_SEED=$seed \
    timeout "$limit" "$binary" fuzz:: --quiet >"$round_log" 2>&1 || status=$?
  rounds=$((rounds + 1))
  took=$((SECONDS - round_start))
  case $status in
    0) echo "round $rounds: seed $seed, ${took}s, every property held" ;;
    124)
      echo "round $rounds: seed $seed, stopped at the time limit after ${took}s"
      break
      ;;
    *)
      echo "round $rounds: seed $seed, ${took}s, A PROPERTY FAILED:"
      # The failures and their shrunk inputs, without the backtraces.
      grep -v -E '^ +[0-9]+: |^ +at |^stack backtrace:|^note: Some details' "$round_log" |
        sed -n '/^failures:$/,$p'
      echo
      echo "fuzz: FAILED in round $rounds after $(total_seconds)s;" \
        "replay with FUZZ_SEED=$seed FUZZ_CASES=$cases bash scripts/fuzz.sh"
      exit 1
      ;;
  esac
  [[ -z ${FUZZ_SEED:-} ]] || break
done
echo "fuzz: $rounds rounds of $cases cases per property (planning $((cases / 4)), replanning $((cases / 8)))" \
  "in $(total_seconds)s; no property failed"

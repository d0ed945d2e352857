#!/usr/bin/env bash
# Renders a `closer report` page in headless Chromium: writes a PNG screenshot and prints
# the laid-out size of every <svg> on the page, one line each: `svg INDEX WIDTHxHEIGHT`.
#
#   scripts/report-screenshot.sh REPORT.html OUT.png
#
# The sizes come from a copy of the page with a tiny inline script added (and the page's
# Content-Security-Policy, which forbids scripts, taken out); the report itself holds no
# script. Needs Debian's `chromium` (and a font, such as fonts-dejavu-core). Chromium runs
# offline: no background networking, a fresh profile, nothing fetched.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
report=$(realpath "$1")
png=$(realpath -m "$2")
[[ -f "$report" ]] || { echo "no such file: $1" >&2; exit 2; }
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n "$browser" ]] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The flags that work as root on a machine without a network.
flags=(
  --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars --force-device-scale-factor=1 --window-size=1200,2400
)

# The screenshot of the page as it is.
"$browser" "${flags[@]}" --user-data-dir="$work/profile-shot" \
  --screenshot="$png" "file://$report" >"$work/shot.log" 2>&1 || {
  cat "$work/shot.log" >&2
  exit 1
}
[[ -s "$png" ]] || { echo "no screenshot was written" >&2; cat "$work/shot.log" >&2; exit 1; }

# The sizes, from a copy that reports them into its own DOM.
measure="$work/measure.html"
sed -e '/http-equiv="Content-Security-Policy"/d' "$report" >"$measure"
cat >>"$measure" <<'EOF'
<script>
document.querySelectorAll("svg").forEach(function (svg, i) {
  var r = svg.getBoundingClientRect();
  var p = document.createElement("pre");
  p.textContent = "svg " + i + " " + Math.round(r.width) + "x" + Math.round(r.height);
  document.body.appendChild(p);
});
</script>
EOF
"$browser" "${flags[@]}" --user-data-dir="$work/profile-dom" \
  --run-all-compositor-stages-before-draw --virtual-time-budget=2000 \
  --dump-dom "file://$measure" >"$work/dom.html" 2>"$work/dom.log" || {
  cat "$work/dom.log" >&2
  exit 1
}
grep -o 'svg [0-9]* [0-9]*x[0-9]*' "$work/dom.html" || true
echo "screenshot $png"

#!/usr/bin/env bash
# Builds the Debian package (scripts/package.sh), checks what it holds, installs it, runs
# what it installed, and removes it again. Called by scripts/test.sh after the cargo
# tests; needs root (or sudo) for dpkg, and a machine where closer is not installed yet.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }
fail() { echo "deb-check: $*" >&2; exit 1; }

as_root() {
  if ((EUID == 0)); then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "needs root to run: $*"
  fi
}

section "cargo package --list: the crate carries its content and default config"
# content/*.toml and config/default.toml are built in with include_str!: without them in
# the crate, `cargo install closer` could not build.
listed=$(cargo package --list --locked --allow-dirty 2>/dev/null)
for file in content/*.toml config/default.toml service/closer.service LICENSE-MIT LICENSE-APACHE; do
  grep -qxF "$file" <<<"$listed" || fail "cargo package leaves out $file"
done
echo "$(wc -l <<<"$listed") files, content/ and config/ among them"

section "scripts/package.sh"
start=$SECONDS
bash scripts/package.sh
echo "built in $((SECONDS - start)) s"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
deb=$(ls -t "${CARGO_TARGET_DIR:-target}"/debian/closer_"$version"-*.deb | head -1)
[[ -f $deb ]] || fail "no package for version $version"
echo "$deb: $(du -h "$deb" | cut -f1)"

section "dpkg-deb -c: what the package holds"
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
expected=(
  ./usr/bin/closer
  ./usr/share/man/man1/closer.1.gz
  ./usr/share/man/man1/closer-run.1.gz
  ./usr/share/man/man1/closer-service-install.1.gz
  ./usr/share/man/man5/closer.5.gz
  ./usr/share/bash-completion/completions/closer
  ./usr/share/zsh/vendor-completions/_closer
  ./usr/share/fish/vendor_completions.d/closer.fish
  ./usr/lib/systemd/user/closer.service
  ./usr/share/doc/closer/copyright
  ./usr/share/doc/closer/changelog.Debian.gz
  ./usr/share/lintian/overrides/closer
  ./usr/share/doc/closer/LICENSE-MIT
  ./usr/share/doc/closer/LICENSE-APACHE
  ./usr/share/doc/closer/README.md
  ./usr/share/applications/closer.desktop
  ./usr/share/icons/hicolor/scalable/apps/closer.svg
  ./usr/share/icons/hicolor/256x256/apps/closer.png
)
for path in "${expected[@]}"; do
  grep -qxF "$path" <<<"$contents" || fail "$deb lacks $path"
done
echo "all ${#expected[@]} expected files present"
# Nothing outside /usr: a package that writes into /etc or /var would need more care.
if grep -v '^\./$' <<<"$contents" | grep -v '^\./usr/' ; then fail "files outside /usr"; fi
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/user/closer.service)
for line in 'Documentation=man:closer(1) man:closer(5)' 'ExecStart=/usr/bin/closer run' \
  'WantedBy=graphical-session.target'; do
  grep -qxF "$line" <<<"$unit" || fail "the packaged unit lacks '$line':"$'\n'"$unit"
done
grep -q '@' <<<"$unit" && fail "the packaged unit has an unfilled @KEY@:"$'\n'"$unit"
dpkg-deb -f "$deb" Package Version Architecture Depends Maintainer

section "lintian: no error, no warning"
# scripts/test.sh installs lintian; run by hand without it, this check is skipped.
if command -v lintian >/dev/null; then
  lintian --version
  lintian --fail-on error,warning --tag-display-limit 0 "$deb" ||
    fail "lintian finds errors or warnings in $deb (above)"
  echo "lintian: clean"
else
  echo "lintian is not installed; skipped"
fi

section "dpkg -i"
if dpkg-query -W -f='${Status}' closer 2>/dev/null | grep -q installed; then
  fail "closer is installed on this machine already; this check installs and removes it"
fi
# Some minimal images exclude /usr/share/man and /usr/share/doc from every install.
as_root dpkg -i --path-include='/usr/share/man/*' --path-include='/usr/share/doc/closer/*' "$deb"
trap 'as_root dpkg -r closer >/dev/null 2>&1 || true' EXIT

section "the installed closer"
installed=$(/usr/bin/closer --version)
[[ $installed == "closer $version" ]] || fail "/usr/bin/closer --version says '$installed'"
echo "$installed"
page=$(man -w closer)
[[ $page == /usr/share/man/man1/closer.1.gz ]] || fail "man -w closer finds '$page'"
echo "man -w closer: $page"
page=$(man -w 5 closer)
[[ $page == /usr/share/man/man5/closer.5.gz ]] || fail "man -w 5 closer finds '$page'"
echo "man -w 5 closer: $page"
man -P cat 5 closer 2>/dev/null | grep -q 'max_per_day' || fail "man 5 closer does not read"
bash -c 'source /usr/share/bash-completion/completions/closer && complete -p closer' >/dev/null ||
  fail "the bash completion does not load"

# As tests/it/service.rs does: --user, with a private HOME and XDG_RUNTIME_DIR (root in a
# container has no user manager; verify needs none, only the runtime dir). verify also
# runs `man` for each Documentation= page, so this checks the pages are where it says.
# Hermetic: the unit path holds the installed unit and systemd's own targets and slices,
# not other packages' units (mako's and swaync's both claim the notification bus name).
fake=$(mktemp -d)
mkdir -m 0700 "$fake/run" "$fake/units"
cp /usr/lib/systemd/user/*.target /usr/lib/systemd/user/*.slice "$fake/units/" 2>/dev/null || true
cp /usr/lib/systemd/user/closer.service "$fake/units/"
verify=$(env -i PATH="$PATH" HOME="$fake" XDG_RUNTIME_DIR="$fake/run" SYSTEMD_UNIT_PATH="$fake/units" \
  systemd-analyze --user verify "$fake/units/closer.service" 2>&1) ||
  fail "systemd-analyze --user verify failed: $verify"
[[ -z $verify ]] || fail "systemd-analyze --user verify warns: $verify"
echo "systemd-analyze --user verify: clean"
# `closer service status` finds the package's unit and says it starts this closer,
# instead of advising a unit of one's own that would take its place. (It exits 1 here:
# with no user manager, whether the unit is enabled and active is unknown.)
status=$(env -i PATH="$PATH" HOME="$fake" XDG_RUNTIME_DIR="$fake/run" /usr/bin/closer service status) || true
grep -qF 'Installed: yes, for every user at /usr/lib/systemd/user/closer.service' <<<"$status" ||
  fail "closer service status does not see the package's unit: $status"
grep -qF 'it starts this closer (/usr/bin/closer)' <<<"$status" ||
  fail "closer service status does not see that the unit starts /usr/bin/closer: $status"
grep -qF 'closer service install' <<<"$status" &&
  fail "closer service status advises a second unit: $status"
rm -rf "$fake"
echo "closer service status: knows the package's unit"

section "dpkg -r"
trap - EXIT
as_root dpkg -r closer
[[ ! -e /usr/bin/closer ]] || fail "/usr/bin/closer is still there after dpkg -r"
[[ ! -e /usr/lib/systemd/user/closer.service ]] || fail "the unit is still there after dpkg -r"
echo "removed"

#!/usr/bin/env bash
# Build and install TimescaleDB (Apache-2 edition) into the local PostgreSQL from the Debian source
# package of the next Debian release. Idempotent: does nothing when the wanted version is installed.
#
# The mirror is read from this machine's own apt sources at run time, so no registry host is written here.
set -euo pipefail

want_series="${TIMESCALEDB_SERIES:-2.19}"
next_suite="${TIMESCALEDB_SUITE:-trixie}"
pg_config="${PG_CONFIG:-$(command -v pg_config)}"
pkglibdir=$("$pg_config" --pkglibdir)
sharedir=$("$pg_config" --sharedir)

installed=$(ls "$sharedir/extension/" 2>/dev/null | sed -n "s/^timescaledb--\(${want_series//./\\.}\.[0-9]*\)\.sql$/\1/p" | sort -V | tail -n1)
if [ -n "$installed" ] && [ -f "$pkglibdir/timescaledb-$installed.so" ]; then
  echo "timescaledb $installed already installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

mirror=$(sed -n 's,^URIs:[[:space:]]*\([^ ]*\).*,\1,p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's,^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*,\2,p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 || true)
fi
[ -n "$mirror" ] || { echo "cannot find a Debian mirror in the apt sources" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
cat >"$work/sources.list" <<SOURCES
deb-src [trusted=yes] $mirror $next_suite main
SOURCES
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
echo "fetching the timescaledb source package from $next_suite"
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq source --download-only timescaledb)
orig=$(ls "$work"/timescaledb_*.orig.tar.* | head -n1)
version=$(basename "$orig" | sed 's/^timescaledb_\([0-9][0-9.]*[0-9]\).*$/\1/')
mkdir "$work/src"
tar -xf "$orig" -C "$work/src" --strip-components=1
echo "building timescaledb $version (Apache edition)"
cd "$work/src"
./bootstrap -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DAPACHE_ONLY=1 -DWARNINGS_AS_ERRORS=OFF \
  -DPG_CONFIG="$pg_config" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C build -j"$(nproc)" >/dev/null
$sudo make -C build install >/dev/null
echo "timescaledb $version installed"

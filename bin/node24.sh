#!/usr/bin/env bash
# Runs a command with Node.js 24 (the current LTS, the Docker image's runtime) first on PATH, so
# the suite that runs on this machine's Node also runs on the one production uses:
#
#   bin/node24.sh npx vitest run
#
# The binary comes from the npm registry's node-linux-<arch> package (a plain Node build, no
# install scripts), unpacked once into .cache/node24. Needs only npm's registry access.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "mailcluster: no Node ${version} package for $(uname -m)" >&2; exit 1 ;;
esac
dir=.cache/node${version}
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "node-linux-${arch}@${version}")
  tar -xzf "$dir/$tarball" -C "$dir"
  rm -f "$dir/$tarball"
fi
export PATH="$PWD/$dir/package/bin:$PATH"
echo "mailcluster: running with Node $(node --version): $*" >&2
exec "$@"

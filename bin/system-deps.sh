#!/usr/bin/env bash
# Installs every Debian package the tests need (and, with --bench, the benchmarks' peers), once,
# before any test runs. Serialised with a lock so two runs never collide on dpkg's own lock.
# Without root it names what to install and exits 1; it never starts a test that would then fail
# halfway for want of a package.
#
#   bin/system-deps.sh           # what `npm test` needs
#   bin/system-deps.sh --bench   # plus the benchmark peers (Postfix)
set -euo pipefail

# package  a file or command that shows it is installed
wanted=(
  "etcd-server /usr/bin/etcd"            # every cluster test runs real etcd members
  "dovecot-imapd /usr/sbin/dovecot"      # interop: Dovecot reads our maildirs; the differential IMAP peer
  "dovecot-lmtpd /usr/lib/dovecot/lmtp"
  "chromium /usr/bin/chromium"           # the dashboard test drives Debian's Chromium
  "kubernetes-client kubectl"            # the deploy tests render the kustomize overlays
  "haproxy /usr/sbin/haproxy"            # PROXY protocol tests put haproxy in front of a node
  "iproute2 /usr/sbin/ip"                # network namespaces for partition faults
  "iptables /usr/sbin/iptables"
)
if [ "${1:-}" = "--bench" ]; then
  wanted+=("postfix /usr/sbin/postfix")  # the SMTP peer: Postfix -> LMTP -> Dovecot
fi

missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%% *}; probe=${entry#* }
  if [[ $probe == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "mailcluster: the tests need these Debian packages: ${missing[*]}" >&2
  echo "  install them as root:  apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "mailcluster: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/mailcluster-apt.lock
flock 9
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >&2

#!/bin/sh
# tools/install-deps.sh - install what building and testing kvd needs on
# Debian bookworm (run as root).  Does nothing when everything is present.
set -e
PKGS="build-essential autoconf automake pkg-config
      libev-dev libyaml-dev libssl-dev liblua5.4-dev check libjemalloc-dev
      redis-server redis-tools libhiredis-dev python3 python3-redis python3-pytest
      tcl dpkg-dev netcat-openbsd procps"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or: sudo $0)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the packaged redis-server from starting a service on 6379.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.kvd
chmod +x /usr/sbin/policy-rc.d.kvd
[ -e /usr/sbin/policy-rc.d ] || { cp /usr/sbin/policy-rc.d.kvd /usr/sbin/policy-rc.d; remove_policy=1; }
apt-get install -y -qq --no-install-recommends $missing
[ -n "${remove_policy:-}" ] && rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.kvd
exit 0

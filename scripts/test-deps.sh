#!/usr/bin/env bash
# Installs what the tests need and the machine lacks, from Debian's
# packages, non-interactively:
#   git          the git source tests start git daemon and git http-backend
#   util-linux   flock, to hold a cache lock from another process
#   slapd        OpenLDAP's server: the LDAP tests start a private one
#   ldap-utils   ldapadd and friends
#   prometheus   for promtool, which checks the metrics exposition
#   samba samba-dsdb-modules samba-ad-provision samba-vfs-modules ldb-tools
#                a Samba AD domain controller the AD tests provision and start
# No system slapd, prometheus or samba is left running: service starts are refused while
# installing (policy-rc.d), and the tests start their own.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)
[ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if ! command -v samba >/dev/null 2>&1 || ! command -v samba-tool >/dev/null 2>&1 || ! command -v ldbmodify >/dev/null 2>&1; then
	missing+=(samba samba-dsdb-modules samba-ad-provision samba-vfs-modules ldb-tools)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "test-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive

policy=/usr/sbin/policy-rc.d
added_policy=false
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# added by jfsync test-deps: no service starts while installing\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
	"${sudo_cmd[@]}" chmod 755 "$policy"
	added_policy=true
fi
cleanup() { if $added_policy; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# A service the packages may still have started would hold its port.
for svc in slapd prometheus samba-ad-dc smbd nmbd; do
	if [ -e "/etc/init.d/$svc" ] && pgrep -f "$svc" >/dev/null 2>&1; then
		"${sudo_cmd[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
	fi
done

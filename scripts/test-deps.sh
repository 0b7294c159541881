#!/usr/bin/env bash
# Installs what the tests need and the machine lacks: git (the git source
# tests start git daemon and git http-backend) and flock (util-linux, to
# hold a cache lock from another process). Idempotent and non-interactive.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "test-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

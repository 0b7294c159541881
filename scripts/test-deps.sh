#!/usr/bin/env bash
# Installs what the tests need and the machine lacks. Today: git (the git
# source tests start real git servers). Idempotent and non-interactive.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "test-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

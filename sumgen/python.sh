#!/usr/bin/env bash
# Run the first Python interpreter that can import matplotlib, with the given arguments.
#
# Order: $MADKV_PYTHON if set; `uv run --offline` (uv present and the project's
# environment resolvable without the network); `python3`; `/usr/bin/python3`.
# The last one matters on Debian: python3-matplotlib is installed for the system
# interpreter, which a pyenv shim earlier on PATH does not see.
#
#   bash sumgen/python.sh [python args...]   run it
#   bash sumgen/python.sh --which            print the chosen command, exit 1 if none
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
probe='import sys; assert sys.version_info >= (3, 9), "Python >= 3.9 needed"; import matplotlib'

with_timeout() {
    if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}

candidates=()
if [ -n "${MADKV_PYTHON:-}" ]; then
    candidates+=("$MADKV_PYTHON")
fi
if command -v uv >/dev/null 2>&1; then
    # --offline: never reach for the package index while generating a report;
    # `just pN::deps` (sumgen/install-deps.sh) is what runs `uv sync`.
    candidates+=("uv run --quiet --offline --project $repo_root python")
fi
candidates+=("python3" "/usr/bin/python3")

chosen=""
for cand in "${candidates[@]}"; do
    # shellcheck disable=SC2086  # the uv candidate is several words on purpose
    if with_timeout 120 $cand -c "$probe" >/dev/null 2>&1; then
        chosen="$cand"
        break
    fi
done

if [ "${1:-}" = "--which" ]; then
    if [ -n "$chosen" ]; then echo "$chosen"; exit 0; fi
    exit 1
fi

if [ -z "$chosen" ]; then
    echo "error: no Python (>= 3.9) with matplotlib found (tried: ${candidates[*]}); run 'just p1::deps' to install it" >&2
    exit 1
fi
# shellcheck disable=SC2086
exec $chosen "$@"

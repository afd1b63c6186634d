#!/usr/bin/env bash
# Generate report/projN.md and report/plots-pN/*.png for a stage from its logs.
#
#   bash sumgen/report.sh p1 [--results DIR] [--out DIR]
#
# The interpreter is the first of `uv run`, `python3`, `/usr/bin/python3` that can
# import matplotlib (see sumgen/python.sh); `just pN::deps` installs it when missing.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stage="${1:-}"
if [[ ! "$stage" =~ ^p[0-9]+$ ]] || [ ! -f "$here/proj${stage#p}.py" ]; then
    known="$(cd "$here" && ls proj*.py 2>/dev/null | sed -e 's/^proj/p/' -e 's/\.py$//' | tr '\n' ' ')"
    echo "usage: bash sumgen/report.sh <stage> [--results DIR] [--out DIR]   (stages: ${known% })" >&2
    exit 2
fi
shift

if ! python="$(bash "$here/python.sh" --which)"; then
    echo "error: no Python (>= 3.9) that can import matplotlib (tried uv run, python3, /usr/bin/python3); run 'just ${stage}::deps' to install it" >&2
    exit 1
fi
# shellcheck disable=SC2086  # "uv run ... python" is several words on purpose
exec $python "$here/proj${stage#p}.py" "$@"

#!/usr/bin/env bash
# Make sure some Python interpreter can import matplotlib (needed by `just pN::report`).
#
# Tries, in order: nothing to do (sumgen/python.sh already finds one); `uv sync` when uv
# is installed (pyproject.toml declares the dependencies; needs the Python package index);
# Debian's python3-matplotlib through apt-get (as root, or with sudo when available).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/.." && pwd)"

have_matplotlib() {
    local which
    if which="$(bash "$here/python.sh" --which)"; then
        echo "matplotlib is available (interpreter: $which)"
        return 0
    fi
    return 1
}

with_timeout() {
    if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}

have_matplotlib && exit 0

if command -v uv >/dev/null 2>&1; then
    echo "installing the report dependencies with 'uv sync' (pyproject.toml)..."
    if (cd "$repo_root" && with_timeout 600 uv sync); then
        have_matplotlib && exit 0
    fi
    echo "note: 'uv sync' did not provide matplotlib (no access to the Python package index?); trying apt-get"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: cannot install matplotlib: no 'uv' and no 'apt-get' here; install matplotlib for python3 (e.g. 'pip install matplotlib'), then re-run 'just p1::report'" >&2
    exit 1
fi

as_root=()
if [ "$(id -u)" != "0" ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "error: cannot install python3-matplotlib: not root and no sudo; ask an administrator to run 'apt-get install python3-matplotlib'" >&2
        exit 1
    fi
    # Without a terminal sudo cannot ask for a password: fail instead of hanging.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
fi

apt_install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-matplotlib
}

echo "installing Debian's python3-matplotlib with apt-get..."
if ! apt_install; then
    echo "apt-get install failed; refreshing the package lists (apt-get update) and retrying..."
    if ! "${as_root[@]}" apt-get update || ! apt_install; then
        echo "error: could not install python3-matplotlib with apt-get (see above); install matplotlib for python3 by hand, then re-run 'just p1::report'" >&2
        exit 1
    fi
fi

have_matplotlib && exit 0
echo "error: python3-matplotlib is installed but no interpreter imports matplotlib; set MADKV_PYTHON to a Python >= 3.9 that has it" >&2
exit 1

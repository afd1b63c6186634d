# MadKV-TS: every action of the course kit is a recipe here or in a stage module.
# Recipes are thin: each calls a program under dist/ (built by `npm install` or `just utils::build`).

set shell := ["bash", "-euo", "pipefail", "-c"]

mod utils 'justmod/utils.just'
mod p1 'justmod/proj1.just'
mod p2 'justmod/proj2.just'
mod p3 'justmod/proj3.just'
mod p4 'justmod/proj4.just'

# list the recipes of every module
default:
    @"{{just_executable()}}" --list --list-submodules

# copy this checkout to remote (user@host): ~/<its path under your home>, else ~/madkv (a local folder stands in for a remote)
rsync remote:
    #!/usr/bin/env bash
    set -euo pipefail
    remote="{{remote}}"
    here="$(pwd -P)"; home="$(cd ~ && pwd -P)"
    case "$here/" in "$home"/?*) rel="${here#"$home"/}" ;; *) rel=madkv ;; esac
    exclude=(--exclude .git --exclude node_modules --exclude dist/ --exclude ycsb/ --exclude 'backer.*' --exclude .venv/ --exclude __pycache__/)
    case "$remote" in
        "") echo "error: give the remote as user@host" >&2; exit 2 ;;
        /*|./*|../*) dest="$remote/$rel"; mkdir -p "$dest"; rsync -a --delete "${exclude[@]}" ./ "$dest/" ;;
        *:*) echo "error: give the remote as user@host, without a path (the checkout goes to ~/$rel)" >&2; exit 2 ;;
        *) dest="$remote:$rel"; rsync -a --delete --rsync-path="mkdir -p '$rel' && rsync" "${exclude[@]}" ./ "$dest/" ;;
    esac
    echo "copied to $dest (without node_modules, dist, ycsb, backer.*, .venv); there: cd ~/$rel && npm install"

# copy path (a results folder such as /tmp/madkv-p2, or a path inside the checkout) back from remote to the same path here
fetch remote path:
    #!/usr/bin/env bash
    set -euo pipefail
    remote="{{remote}}"; path="{{path}}"
    while [ "${#path}" -gt 1 ] && [ "${path%/}" != "$path" ]; do path="${path%/}"; done
    [ -n "$path" ] && [ "$path" != "/" ] || { echo "error: give the path to fetch, e.g. /tmp/madkv-p2" >&2; exit 2; }
    here="$(pwd -P)"; home="$(cd ~ && pwd -P)"
    case "$here/" in "$home"/?*) rel="${here#"$home"/}" ;; *) rel=madkv ;; esac
    # Absolute paths are the same there; relative ones are inside the checkout that `just rsync` made there.
    case "$path" in /*) there="$path"; dest="$path" ;; *) there="$rel/$path"; dest="./$path" ;; esac
    case "$remote" in
        "") echo "error: give the remote as user@host" >&2; exit 2 ;;
        /*|./*|../*) src="$remote/${there#/}" ;;
        *:*) echo "error: give the remote as user@host, without a path" >&2; exit 2 ;;
        *) src="$remote:$there" ;;
    esac
    mkdir -p "$(dirname "$dest")"
    rsync -a "$src" "$(dirname "$dest")/"
    echo "fetched $src to $dest"

# list the files of the codebase as a tree
tree:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v tree >/dev/null; then exec tree --gitignore -I 'node_modules|dist|ycsb'; fi
    # No `tree` installed: indent the tracked files by folder instead.
    git ls-files | awk -F/ '{
        path = ""
        for (i = 1; i < NF; i++) {
            path = path $i "/"
            if (!(path in seen)) { seen[path] = 1; printf "%*s%s/\n", (i - 1) * 2, "", $i }
        }
        printf "%*s%s\n", (NF - 1) * 2, "", $NF
    }'

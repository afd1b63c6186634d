# MadKV-TS: every action of the course kit is a recipe here or in a stage module.
# Recipes are thin: each calls a program under dist/ (built by `npm install` or `just utils::build`).

set shell := ["bash", "-euo", "pipefail", "-c"]

mod utils 'justmod/utils.just'
mod p1 'justmod/proj1.just'
mod p2 'justmod/proj2.just'

# list the recipes of every module
default:
    @"{{just_executable()}}" --list --list-submodules

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

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
    @if command -v tree >/dev/null; then tree --gitignore -I node_modules -I dist -I ycsb; else git ls-files | sed 's|[^/]*/|  |g'; fi

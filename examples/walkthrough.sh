#!/usr/bin/env bash
# The aperture / fungal-image-analysis story, played end to end on this machine:
# bare repositories stand in for the servers, nothing touches the network.
#
#   examples/walkthrough.sh            # uses the git-realm on PATH (cargo install --path .)
#   KEEP=1 examples/walkthrough.sh     # keep the sandbox to look around afterwards
set -euo pipefail

command -v git-realm >/dev/null || { echo "git-realm is not on PATH: run 'cargo install --locked --path .' first" >&2; exit 4; }

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/git-realm-walkthrough.XXXXXX")
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$sandbox"' EXIT
cd "$sandbox"

# A private git world: no personal config, no system config, fixed identity.
export HOME="$sandbox/home" XDG_CONFIG_HOME="$sandbox/home/.config"
export GIT_CONFIG_GLOBAL="$HOME/.gitconfig" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "Eric (aperture)"
git config --global user.email eric@example.com
git config --global init.defaultBranch main

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }
say() { printf '\n# %s\n' "$*"; }

say "Two teams, two repositories, each with its own 'origin' (bare repos stand in for GitHub)."
for repo in aperture fungal-image-analysis; do
  git init -q --bare "remotes/$repo.git"
  git clone -q "remotes/$repo.git" "$repo" 2>/dev/null
  echo "# $repo" > "$repo/README.md"
  git -C "$repo" add README.md
  git -C "$repo" commit -q -m "initial"
  git -C "$repo" push -q origin main
done

say "1. Create the realm, once: a git repository that holds the shared state."
step git realm init realm-letemcook.git --bare --name letemcook

say "2. Register aperture in the realm."
cd aperture
step git realm join ../realm-letemcook.git

say "3. Register fungal-image-analysis."
cd ../fungal-image-analysis
step git realm join ../realm-letemcook.git

say "Joining again (or from a teammate's fresh clone) changes nothing in the realm."
step git realm join ../realm-letemcook.git

say "Where do we stand?"
step git realm status
cd ../aperture
step git realm status --fetch

say "Every realm operation is a commit: git log on the realm is the audit trail."
step git -C ../realm-letemcook.git log --format='%h %an: %s' main

say "The realms this machine knows, and where their members are checked out."
step git realm list
echo
echo "Done. (sandbox: $sandbox${KEEP:+, kept})"

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
# A word as you would type it: bare when safe, else single-quoted (so that a
# printed command can be pasted as it is: `--requires '>=1.0.0'`).
quote() {
  case $1 in
    '' | *[!A-Za-z0-9_@%+=:,./-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}
step() {
  local line="" word
  for word in "$@"; do line+="${line:+ }$(quote "$word")"; done
  printf '\n%s$ %s%s\n' "$bold" "$line" "$plain"
  "$@"
}
say() { printf '\n# %s\n' "$*"; }

say "Two teams, two repositories on 'GitHub': git's own url rewriting sends github.com/acme/* to local bare repos."
for repo in aperture fungal-image-analysis; do
  git init -q --bare "remotes/$repo.git"
  git config --global "url.$sandbox/remotes/$repo.git.insteadOf" "https://github.com/acme/$repo.git"
  git clone -q "https://github.com/acme/$repo.git" "$repo" 2>/dev/null
  echo "# $repo" > "$repo/README.md"
  git -C "$repo" add README.md
  git -C "$repo" commit -q -m "initial"
  git -C "$repo" push -q origin main
done

say "1. Create the realm, once: a git repository that holds the shared state."
step git realm init realm-letemcook.git --name letemcook

say "2. Register aperture in the realm."
cd aperture
step git realm join ../realm-letemcook.git

say "3. Register fungal-image-analysis."
cd ../fungal-image-analysis
step git realm join ../realm-letemcook.git

say "Joining again (or from a teammate's fresh clone) changes nothing in the realm."
step git realm join ../realm-letemcook.git

say "aperture's code says which S3 paths it needs."
cd ../aperture
mkdir -p models/training
cat > models/training/s3_paths.py <<'PY'
read("s3://bucket/jobs/*/masks/*")
read("s3://bucket/training-runs/*")
write("s3://bucket/jobs/*/*/manifest.json")
PY
git add . && git commit -q -m "S3 paths"

say "4. Create the s3-access domain between the two repositories."
step git realm domain create s3-access --repos aperture,fungal-image-analysis --description "S3 paths aperture needs in fungal's account"

say "5. aperture exports the paths, extracted from its code (the source is recorded, so the value follows the code)."
step git realm export s3-permissions --domain s3-access \
  --extract-key 'read=models/**/*.py=read\("s3://bucket/([^"]+)"\)' \
  --extract-key 'write=models/**/*.py=write\("s3://bucket/([^"]+)"\)'

say "6. fungal-image-analysis grants them in its IAM stack and imports the contract."
cd ../fungal-image-analysis
mkdir -p cdk
cat > cdk/training_tools_access_stack.py <<'PY'
resources = [
    "arn:aws:s3:::bucket/jobs/*/masks/*",
    "arn:aws:s3:::bucket/training-runs/*",
    "arn:aws:s3:::bucket/jobs/*/*/manifest.json",
]
PY
git add . && git commit -q -m "IAM policy for aperture"
step git realm import s3-permissions --domain s3-access --requires '>=1.0.0' \
  --binding cdk/training_tools_access_stack.py --verify '"arn:aws:s3:::bucket/([^"]+)"'
step git realm check

say "Daily development: a developer in aperture adds a new S3 path."
cd ../aperture
echo 'read("s3://bucket/training-metrics/experiments/*")' >> models/training/s3_paths.py
git commit -q -am "training metrics"
step git realm status
say "check is the CI gate: exit 1 means something needs attention."
step git realm check || echo "(exit $?)"

say "Sync publishes 1.1.0 (items added: minor). With gh, fungal would get a GitHub issue; here we skip it."
step git realm sync --no-notify

say "The consumer sees its import is stale."
cd ../fungal-image-analysis
step git realm check --fetch || echo "(exit $?)"

say "The maintainer updates the IAM policy, commits, and syncs: the import resolves."
sed -i 's|^]|    "arn:aws:s3:::bucket/training-metrics/experiments/*",\n]|' cdk/training_tools_access_stack.py
git commit -q -am "grant training-metrics/experiments"
step git realm sync
step git notes --ref realm show HEAD
step git realm check

say "The dependency graph."
step git realm graph
step git realm graph --format mermaid

say "A coordinated change: the same branch, a worktree in both repositories."
cd ../aperture
step git realm worktree training-metrics-v2 --domain s3-access
step git realm worktree list

say "Edits in both worktrees, then one coordinated commit, from either of them."
cd .worktrees/training-metrics-v2
echo 'write("s3://bucket/training-metrics/v2/*")' >> models/training/s3_paths.py
sed -i 's|^]|    "arn:aws:s3:::bucket/training-metrics/v2/*",\n]|' ../../../fungal-image-analysis/.worktrees/training-metrics-v2/cdk/training_tools_access_stack.py
step git realm commit -a -m "Training metrics v2: aperture writes v2 metrics, fungal grants them"
say "Each commit carries a note linking its sibling."
step git notes --ref realm show HEAD

say "Push both branches (and the notes) in parallel."
step git realm push

say "Pull requests, providers first: aperture's must merge before fungal's. (--dry-run: no GitHub here.)"
step git realm pr --dry-run --title "Training metrics v2"

say "fungal's status shows the change it takes part in."
cd "$sandbox/fungal-image-analysis"
step git realm status

say "Every realm operation is a commit: git log on the realm is the audit trail."
step git -C "$sandbox/realm-letemcook.git" log --format='%h %an: %s' main

say "The realms this machine knows, and where their members are checked out."
step git realm list
echo
echo "Done. (sandbox: $sandbox${KEEP:+, kept})"

#!/usr/bin/env bash
# Every row of the performance table (README "Performance"), side by side with
# hyperfine, in one run. Builds its realms with `git fast-import` (seconds), then
# prints each row's ratio, its goal, the medians it was computed from, and the peak
# RSS of the git-realm command (the process tree, /usr/bin/time -v's "Maximum
# resident set size").
#
#   cargo build --release && benches/run.sh
#   GIT_REALM_BIN=/some/other/build benches/run.sh     # e.g. an older build, for A/B
#   ROUNDS=5 RUNS=5 benches/run.sh                      # more samples
#   ONLY=status,join benches/run.sh                     # some rows only
#
# Timings on a shared machine are noisy: every row is a ratio of two commands timed
# in the same hyperfine invocations, alternating A and B in ROUNDS rounds of RUNS
# runs each, so a compile starting halfway through slows both sides. Never compare
# absolute times between runs. Not part of `cargo test`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${GIT_REALM_BIN:-$here/../target/release}
BIN=$(cd "$BIN" && pwd)
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
REPOS=${REPOS:-10000}
DOMAINS=${DOMAINS:-2000}
HEAVY=${HEAVY:-200}
TEAM=${TEAM:-16}
FILES=${FILES:-2000}
ONLY=${ONLY:-}

if ! command -v hyperfine >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y hyperfine >/dev/null
  else
    echo "hyperfine is required: apt-get install -y hyperfine" >&2; exit 4
  fi
fi
for tool in python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 4; }
done
[ -x "$BIN/git-realm-status" ] || { echo "no git-realm build in $BIN (cargo build --release)" >&2; exit 4; }
export PATH="$BIN:$PATH"

W=$(mktemp -d "${TMPDIR:-/tmp}/realm-bench.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT

# The floor of the spec's dispatch, with nothing to do: `git empty` runs
# `git-empty`, which only execs `git-empty-sub` next to it (as `git-realm` execs
# `git-realm-status`), which does nothing. Three programs, as `git realm status`
# is; built here, before HOME moves (rustup finds its toolchain from HOME).
mkdir -p "$W/floor"
if command -v rustc >/dev/null; then
  echo 'fn main() {}' > "$W/floor/sub.rs"
  cat > "$W/floor/exec.rs" <<'RS'
use std::os::unix::process::CommandExt;
fn main() {
    let sub = std::env::current_exe().unwrap().with_file_name("git-empty-sub");
    let err = std::process::Command::new(sub).exec();
    panic!("{err}");
}
RS
  rustc --edition 2021 -O -o "$W/floor/git-empty-sub" "$W/floor/sub.rs"
  rustc --edition 2021 -O -o "$W/floor/git-empty" "$W/floor/exec.rs"
fi
# Below any dispatch of ours: `git noop` runs `git-noop`, a C program that returns
# at once (static when the C library allows: no dynamic loader either). What git
# alone costs to start any external command, whatever that command is written in.
if command -v cc >/dev/null; then
  echo 'int main(void) { return 0; }' > "$W/floor/noop.c"
  cc -O2 -static -o "$W/floor/git-noop" "$W/floor/noop.c" 2>/dev/null ||
    cc -O2 -o "$W/floor/git-noop" "$W/floor/noop.c" || true
fi
export PATH="$PATH:$W/floor"
export HOME="$W/home" XDG_CONFIG_HOME="$W/home/.config" GIT_CONFIG_GLOBAL="$W/home/.gitconfig" \
  GIT_CONFIG_NOSYSTEM=1 GIT_REALM_INDEX="$W/home/index.yaml" NO_COLOR=1
mkdir -p "$HOME" "$W/bin"
git config --global user.name bench && git config --global user.email bench@example.com
git config --global init.defaultBranch main
git config --global gc.auto 0 && git config --global maintenance.auto false
git config --global advice.detachedHead false
gen() { python3 "$here/gen.py" "$@"; }
say() { echo "$@" >&2; }

# --- realms --------------------------------------------------------------------
# A bare realm built by fast-import, packed like a served repository.
make_realm() { # DIR GEN-ARGS...
  local dir=$1; shift
  git init -q --bare "$dir"
  gen "$@" | git -C "$dir" fast-import --quiet
  git -C "$dir" repack -adq
}
# A member repository at DIR (origin URL), in realm NAME at REALM as MEMBER.
make_member() { # DIR URL NAME REALM MEMBER
  git init -q "$1"
  gen files 0 | git -C "$1" fast-import --quiet
  git -C "$1" reset -q --hard main
  git -C "$1" remote add origin "$2"
  git -C "$1" config "realm.$3.url" "$4"
  git -C "$1" config "realm.$3.member" "$5"
  git -C "$1" fetch -q "$4" "+refs/heads/main:refs/realm/$3/main"
}

say "building realms in $W (10k: $REPOS repos, $DOMAINS domains, heavy member in $HEAVY)…"
make_realm "$W/big/realm.git" realm big "$REPOS" "$DOMAINS" "$HEAVY"
make_realm "$W/small/realm.git" realm small 10 2 2
for m in aperture fungal leaver heavy; do
  make_member "$W/big/$m" "/srv/$m.git" big "$W/big/realm.git" "$m"
  make_member "$W/small/$m" "/srv/$m.git" small "$W/small/realm.git" "$m"
done
git init -q "$W/norealm" && git -C "$W/norealm" commit -q --allow-empty -m empty
BIG0=$(git -C "$W/big/realm.git" rev-parse main)
SMALL0=$(git -C "$W/small/realm.git" rev-parse main)

# The team: TEAM member repositories of FILES files each, in realm `team`.
say "building $TEAM member repositories of $FILES files…"
mkdir -p "$W/team"
git init -q --bare "$W/team/template.git"
gen files "$FILES" | git -C "$W/team/template.git" fast-import --quiet
make_realm "$W/team/realm.git" team team "$TEAM" "$W/team"
TEAM0=$(git -C "$W/team/realm.git" rev-parse main)
members=()
for i in $(seq 1 "$TEAM"); do
  t=$(printf 't%02d' "$i"); members+=("$t")
  git clone -q --bare "$W/team/template.git" "$W/team/$t.git"
  git clone -q "$W/team/$t.git" "$W/team/$t"
  (cd "$W/team/$t" && git realm join "$W/team/realm.git" -q)
done
BASE=$(git -C "$W/team/t01" rev-parse HEAD)

# --- helpers -------------------------------------------------------------------
script() { # NAME BODY: an executable script in $W/bin
  printf '#!/usr/bin/env bash\nset -e\n%s\n' "$2" > "$W/bin/$1"
  chmod +x "$W/bin/$1"
}
wants() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

ROWS=()
# ab KEY LABEL GOAL-OP GOAL A-CMD B-CMD [A-PREP B-PREP]: median(A)/median(B) over
# ROUNDS hyperfine invocations that each time A and B.
ab() {
  local key=$1 label=$2 op=$3 goal=$4 a=$5 b=$6 pa=${7:-} pb=${8:-} runs=${RUNS_OVERRIDE:-$RUNS}
  local json="$W/$key.json" all="$W/$key.times"
  : > "$all"
  for round in $(seq 1 "$ROUNDS"); do
    local args=(-N --runs "$runs" --export-json "$json" --style none)
    # A warm-up run fills the page cache (and git-realm's own cache) for the reads;
    # the prepared rows reset their world before every run anyway.
    if [ -n "$pa" ]; then args+=(--prepare "$pa" --prepare "$pb"); else args+=(--warmup 1); fi
    hyperfine "${args[@]}" -n A "$a" -n B "$b" >/dev/null
    python3 - "$json" >> "$all" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    for t in r["times"]:
        print(r["command"], t)
PY
  done
  ROWS+=("$(python3 - "$all" "$label" "$op" "$goal" <<'PY'
import sys, statistics
times = {"A": [], "B": []}
for line in open(sys.argv[1]):
    k, t = line.split()
    times[k].append(float(t))
a, b = statistics.median(times["A"]), statistics.median(times["B"])
ratio = a / b
label, op, goal = sys.argv[2], sys.argv[3], float(sys.argv[4])
ok = ratio <= goal if op == "<=" else True
ms = lambda s: f"{s*1000:.1f} ms" if s < 10 else f"{s:.1f} s"
print(f"{label}\t{ratio:.2f}×\t≤ {goal:g}×\t{'✓' if ok else '✗'}\t{ms(a)} vs {ms(b)}")
PY
)")
  say "  ${ROWS[-1]}"
}

# rss PREP CMD: peak RSS (MiB) of CMD and the processes it waited for.
rss() {
  bash -c "$1" >/dev/null 2>&1 || true
  /usr/bin/time -f '%M' -o "$W/rss" bash -c "exec $2" >/dev/null 2>&1 || true
  # The last line: /usr/bin/time puts "Command exited with non-zero status" first.
  tail -n1 "$W/rss" | awk '{printf "%.1f MiB", $1/1024}'
}

# --- prepare scripts -------------------------------------------------------------
B="$W/big"; S="$W/small"
script reset-big "git -C $B/realm.git update-ref refs/heads/main $BIG0
for m in aperture fungal leaver heavy; do git -C $B/\$m update-ref refs/realm/big/main $BIG0; git -C $B/\$m config realm.big.url $B/realm.git; git -C $B/\$m config realm.big.member \$m; done"
script reset-small "git -C $S/realm.git update-ref refs/heads/main $SMALL0
for m in aperture fungal leaver heavy; do git -C $S/\$m update-ref refs/realm/small/main $SMALL0; done"
script fresh-joiner 'rm -rf "$1/newbie"; git init -q "$1/newbie"; git -C "$1/newbie" remote add origin /srv/newbie.git; git -C "$1/realm.git" update-ref refs/heads/main "$2"'
# The floor of a join: a fresh repository fetches the realm, makes a commit, pushes it.
script floor-write 'cd "$1"; git fetch -q "$2" +refs/heads/main:refs/realm/x/main
t=$(git rev-parse refs/realm/x/main^{tree}); c=$(git commit-tree -p refs/realm/x/main -m floor "$t")
git push -q "$2" "$c:refs/heads/main"'
# The floor of a write that changes one realm file: fetch, one fast-import writing
# the file at PATH (its blob, the trees on its path, a commit), push. A join adds
# repos/<name>.yaml, so the remote's connectivity check reads the new 10,000-entry
# repos tree, which the commit-tree floor (same tree as before) never does.
script floor-put 'cd "$1"; url=$2; path=$3
git fetch -q "$url" +refs/heads/main:refs/realm/x/main
content="floor: $RANDOM$RANDOM"
printf "commit refs/realm/x/floor\ncommitter floor <floor@example.com> 0 +0000\ndata 5\nfloor\nfrom refs/realm/x/main^0\nM 100644 inline %s\ndata %d\n%s\n\n" \
  "$path" "${#content}" "$content" | git fast-import --quiet --force
git push -q "$url" refs/realm/x/floor:refs/heads/main'
script reset-team "git -C $W/team/realm.git update-ref refs/heads/main $TEAM0
for t in ${members[*]}; do git -C $W/team/\$t update-ref refs/realm/team/main $TEAM0; done"

# --- rows ------------------------------------------------------------------------
say "measuring (ROUNDS=$ROUNDS RUNS=$RUNS)…"
if wants status; then
  ab status-rev "\`status\` in the 10k realm ÷ \`git rev-parse HEAD\`" "<=" 2 \
    "git -C $B/fungal realm status" "git -C $B/fungal rev-parse HEAD"
  ab status-dispatch "\`status\` in a repository in no realm ÷ \`git rev-parse HEAD\`" "<=" 2 \
    "git -C $W/norealm realm status" "git -C $W/norealm rev-parse HEAD"
  if [ -x "$W/floor/git-noop" ]; then
    ab noop-floor "\`git noop\`: git → a C program that returns at once (git's own dispatch of any external command) ÷ \`git rev-parse HEAD\`" "<=" 2 \
      "git -C $W/norealm noop" "git -C $W/norealm rev-parse HEAD"
  else
    say "  no cc: the row of git's own dispatch is left out"
  fi
  if [ -x "$W/floor/git-empty" ]; then
    ab dispatch-floor "\`git empty\`: git → a program that only execs → a program that does nothing (the spec's dispatch, empty) ÷ \`git rev-parse HEAD\`" "<=" 2 \
      "git -C $W/norealm empty" "git -C $W/norealm rev-parse HEAD"
    ab status-over-floor "\`status\` in the 10k realm ÷ \`git empty\` (its dispatch with nothing to do)" "<=" 2 \
      "git -C $B/fungal realm status" "git -C $B/fungal empty"
  else
    say "  no rustc: the rows of the empty dispatch are left out"
  fi
  ab status-flat "\`status\` in the 10k realm ÷ the same member in a 10-repo realm" "<=" 1.2 \
    "git -C $B/fungal realm status" "git -C $S/fungal realm status"
  # The issue's goal is 30 ms, where a member with one import took 17.4 ms: 1.7×.
  ab status-heavy "\`status\` of a member with 2,000 imports in 200 domains ÷ a member with one import" "<=" 1.7 \
    "git -C $B/heavy realm status" "git -C $B/fungal realm status"
  ab check-heavy "\`check\` of a member with 2,000 imports in 200 domains ÷ a member with one import" "<=" 1.7 \
    "git -C $B/heavy realm check" "git -C $B/fungal realm check"
fi
if wants join; then
  RUNS_OVERRIDE=${JOIN_RUNS:-3} ab join-big "\`join\` of a new repo, 10k realm ÷ fetch + commit-tree + push" "<=" 1.3 \
    "git -C $B/newbie realm join $B/realm.git -q" "$W/bin/floor-write $B/newbie $B/realm.git" \
    "$W/bin/fresh-joiner $B $BIG0" "$W/bin/fresh-joiner $B $BIG0"
  RUNS_OVERRIDE=${JOIN_RUNS:-3} ab join-big-put "\`join\` of a new repo, 10k realm ÷ fetch + fast-import of repos/newbie.yaml + push" "<=" 1.3 \
    "git -C $B/newbie realm join $B/realm.git -q" "$W/bin/floor-put $B/newbie $B/realm.git repos/newbie.yaml" \
    "$W/bin/fresh-joiner $B $BIG0" "$W/bin/fresh-joiner $B $BIG0"
  RUNS_OVERRIDE=${JOIN_RUNS:-3} ab join-small "\`join\` of a new repo, 10-repo realm ÷ fetch + commit-tree + push" "<=" 1.3 \
    "git -C $S/newbie realm join $S/realm.git -q" "$W/bin/floor-write $S/newbie $S/realm.git" \
    "$W/bin/fresh-joiner $S $SMALL0" "$W/bin/fresh-joiner $S $SMALL0"
fi
if wants sync; then
  ab sync "\`sync\` publishing one changed export, 10k realm ÷ fetch + commit-tree + push" "<=" 1.3 \
    "git -C $B/aperture realm sync -q --no-notify" "$W/bin/floor-write $B/aperture $B/realm.git" \
    "$W/bin/reset-big" "$W/bin/reset-big"
  ab sync-put "\`sync\` publishing one changed export, 10k realm ÷ fetch + fast-import of that contract file + push" "<=" 1.3 \
    "git -C $B/aperture realm sync -q --no-notify" "$W/bin/floor-put $B/aperture $B/realm.git domains/s3-access/contracts/paths.yaml" \
    "$W/bin/reset-big" "$W/bin/reset-big"
fi
if wants graph; then
  ab graph "\`graph\` in the 10k realm ÷ \`status\` there" "<=" 3 \
    "git -C $B/fungal realm graph" "git -C $B/fungal realm status"
  ab domain-list "\`domain list\` in the 10k realm ÷ \`status\` there" "<=" 3 \
    "git -C $B/fungal realm domain list" "git -C $B/fungal realm status"
  ab leave "\`leave\` in the 10k realm ÷ \`status\` there" "<=" 3 \
    "git -C $B/leaver realm leave -q" "git -C $B/fungal realm status" \
    "$W/bin/reset-big" "$W/bin/reset-big"
  # The floor of that write: the same fetch, a commit of the very tree leave
  # writes (taken from one leave beforehand), the same push.
  "$W/bin/reset-big"; git -C "$B/leaver" realm leave -q
  git -C "$B/realm.git" rev-parse 'main^{tree}' > "$W/leave-tree"; "$W/bin/reset-big"
  script floor-leave "cd $B/leaver; git fetch -q $B/realm.git +refs/heads/main:refs/realm/x/main
c=\$(git commit-tree -p refs/realm/x/main -m floor $(cat "$W/leave-tree")); git push -q $B/realm.git \$c:refs/heads/main"
  ab leave-floor "\`leave\` in the 10k realm ÷ fetch + commit-tree of the tree it writes + push" "<=" 1.3 \
    "git -C $B/leaver realm leave -q" "$W/bin/floor-leave" \
    "$W/bin/reset-big" "$W/bin/reset-big"
  # And that floor alone against `status`: a write's fetch and push.
  ab leave-floor-status "fetch + commit-tree of the tree \`leave\` writes + push, 10k realm ÷ \`status\` there" "<=" 3 \
    "$W/bin/floor-leave" "git -C $B/fungal realm status" \
    "$W/bin/reset-big" "$W/bin/reset-big"
fi
# Coordinated changes across the team.
wt=$W/team/t01/.worktrees/bench
script drop-worktrees "$W/bin/reset-team
for t in ${members[*]}; do git -C $W/team/\$t worktree remove --force .worktrees/bench 2>/dev/null || true; git -C $W/team/\$t worktree prune; git -C $W/team/\$t branch -q -D feat/bench 2>/dev/null || true; done"
script worktree-loop "for t in ${members[*]}; do git -C $W/team/\$t worktree add -q -b feat/bench .worktrees/bench; done"
script edit-worktrees "git -C $W/team/realm.git update-ref refs/heads/main \$(cat $W/team/with-change)
for t in ${members[*]}; do w=$W/team/\$t/.worktrees/bench; git -C \$w reset -q --hard $BASE; git -C \$w update-ref -d refs/notes/realm 2>/dev/null || true; git -C \$w update-ref refs/realm/team/main \$(cat $W/team/with-change); echo change >> \$w/README.md; done"
script commit-loop "for t in ${members[*]}; do git -C $W/team/\$t/.worktrees/bench commit -q -a -m change; done"
# Back to nothing pushed: the remotes lose the branch and the notes, and the members
# what they last saw of origin's notes (else every push after the first would find
# origin's notes gone from under its lease, and fetch and push them again).
script unpush "for t in ${members[*]}; do git -C $W/team/\$t.git update-ref -d refs/heads/feat/bench 2>/dev/null || true; git -C $W/team/\$t.git update-ref -d refs/notes/realm 2>/dev/null || true; git -C $W/team/\$t update-ref -d refs/notes/remotes/origin/realm 2>/dev/null || true; done"
script push-loop "for t in ${members[*]}; do git -C $W/team/\$t/.worktrees/bench push -q origin feat/bench refs/notes/realm; done"
if wants worktree; then
  ab worktree "\`worktree\` across $TEAM repos ($FILES files each) ÷ a sequential \`git worktree add\` loop" "<=" 0.6 \
    "git -C $W/team/t01 realm worktree bench --domain team -q" "$W/bin/worktree-loop" \
    "$W/bin/drop-worktrees" "$W/bin/drop-worktrees"
fi
if wants commit || wants push; then
  "$W/bin/drop-worktrees"; git -C "$W/team/t01" realm worktree bench --domain team -q
  git -C "$W/team/realm.git" rev-parse main > "$W/team/with-change"
fi
if wants commit; then
  ab commit "\`commit -a\` across $TEAM repos ÷ a sequential \`git commit -am\` loop" "<=" 1.2 \
    "git -C $wt realm commit -a -m change -q" "$W/bin/commit-loop" \
    "$W/bin/edit-worktrees" "$W/bin/edit-worktrees"
fi
if wants push; then
  "$W/bin/edit-worktrees"; git -C "$wt" realm commit -a -m change -q
  ab push "\`push\` (branches + notes) across $TEAM repos ÷ a sequential push loop" "<=" 0.7 \
    "git -C $wt realm push -q" "$W/bin/push-loop" "$W/bin/unpush" "$W/bin/unpush"
fi
if wants contention; then
  script syncs-parallel "pids=(); for t in ${members[*]}; do git -C $W/team/\$t realm sync -q --no-notify & pids+=(\$!); done; for p in \${pids[@]}; do wait \$p; done"
  script syncs-serial "for t in ${members[*]}; do git -C $W/team/\$t realm sync -q --no-notify; done"
  # As if each member were on a machine of its own: no index (and so no writers'
  # lock) shared between them.
  script syncs-apart "pids=(); for t in ${members[*]}; do mkdir -p $W/apart/\$t; GIT_REALM_INDEX=$W/apart/\$t/index.yaml git -C $W/team/\$t realm sync -q --no-notify & pids+=(\$!); done; for p in \${pids[@]}; do wait \$p; done"
  RUNS_OVERRIDE=${CONTENTION_RUNS:-3} ab contention "$TEAM concurrent syncs from $TEAM members ÷ the same one after another" "<=" 1.2 \
    "$W/bin/syncs-parallel" "$W/bin/syncs-serial" "$W/bin/reset-team" "$W/bin/reset-team"
  RUNS_OVERRIDE=${CONTENTION_RUNS:-3} ab contention-apart "$TEAM concurrent syncs from $TEAM members with no index shared (as on $TEAM machines) ÷ the same one after another" "<=" 1.2 \
    "$W/bin/syncs-apart" "$W/bin/syncs-serial" "$W/bin/reset-team" "$W/bin/reset-team"
  for way in parallel apart; do
    "$W/bin/reset-team"; "$W/bin/syncs-$way"
    landed=$(git -C "$W/team/realm.git" rev-list --count "$TEAM0..main")
    say "  concurrent syncs ($way): $landed of $TEAM realm commits landed"
    [ "$landed" = "$TEAM" ] || ROWS+=("concurrent syncs ($way): only $landed of $TEAM landed	✗")
  done
fi

# --- peak memory of every command in the 10k realm --------------------------------
say "peak RSS in the 10k realm…"
declare -A RSS
RSS[status]=$(rss true "git -C $B/fungal realm status")
RSS[status-heavy]=$(rss true "git -C $B/heavy realm status")
RSS[check-heavy]=$(rss true "git -C $B/heavy realm check")
RSS[graph]=$(rss true "git -C $B/fungal realm graph")
RSS[domain-list]=$(rss true "git -C $B/fungal realm domain list")
RSS[graph-json]=$(rss true "git -C $B/fungal realm graph --json")
RSS[domain-list-json]=$(rss true "git -C $B/fungal realm domain list --json")
RSS[domain-show]=$(rss true "git -C $B/fungal realm domain show s3-access")
RSS[sync]=$(rss "$W/bin/reset-big" "git -C $B/aperture realm sync -q --no-notify")
RSS[leave]=$(rss "$W/bin/reset-big" "git -C $B/leaver realm leave -q")
RSS[join]=$(rss "$W/bin/fresh-joiner $B $BIG0" "git -C $B/newbie realm join $B/realm.git -q")
RSS[export]=$(rss "$W/bin/reset-big" "git -C $B/aperture realm export paths --domain s3-access --file paths.json -q")
RSS[import]=$(rss "$W/bin/reset-big" "git -C $B/fungal realm import spare --domain s3-access --version ^1 --binding README.md -q")
RSS[domain-create]=$(rss "$W/bin/reset-big" "git -C $B/aperture realm domain create bench --repos aperture,fungal -q")

# --- the table ------------------------------------------------------------------
echo
echo "| measure | ratio | goal | met | medians (A vs B) |"
echo "| --- | --- | --- | --- | --- |"
for row in "${ROWS[@]}"; do
  IFS=$'\t' read -r label ratio goal ok medians <<<"$row"
  echo "| $label | $ratio | $goal | $ok | $medians |"
done
echo
echo "Peak RSS in the 10k realm (command and the git processes it ran):"
echo
echo "| command | peak RSS |"
echo "| --- | --- |"
for k in status status-heavy check-heavy graph graph-json domain-list domain-list-json domain-show sync leave join export import domain-create; do
  echo "| $k | ${RSS[$k]} |"
done

#!/usr/bin/env bash
# Does `git realm status` / `check` cost grow with the parts of a realm that do not
# concern this repository? Builds two realms that differ only in how many unrelated
# repos and domains they hold (SMALL vs LARGE), and times the same member in each
# side by side with hyperfine. Prints the LARGE/SMALL ratio: ~1.0 means it does
# not grow.
#
#   benches/status-scaling.sh            # SMALL=2 LARGE=2000 unrelated domains
#   LARGE=5000 benches/status-scaling.sh
#
# Needs git-realm on PATH (cargo install --path .) and hyperfine (apt install hyperfine).
set -euo pipefail
SMALL=${SMALL:-2}
LARGE=${LARGE:-2000}
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 4; }
command -v git-realm >/dev/null || { echo "git-realm is not on PATH (cargo install --path .)" >&2; exit 4; }

work=$(mktemp -d "${TMPDIR:-/tmp}/realm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" GIT_CONFIG_GLOBAL="$work/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name bench && git config --global user.email bench@example.com
git config --global init.defaultBranch main
git config --global gc.auto 0 && git config --global maintenance.auto false

# A realm where aperture and fungal share one domain, plus N unrelated domains.
make_realm() {
  local name=$1 n=$2 dir="$work/$1"
  mkdir -p "$dir" && cd "$dir"
  git realm init realm.git --bare --name "$name" -q
  for r in aperture fungal; do
    git init -q --bare "$r.git"; git clone -q "$r.git" "$r" 2>/dev/null
    echo "# $r" > "$r/README.md"; git -C "$r" add . && git -C "$r" commit -qm init
    (cd "$r" && git realm join ../realm.git -q)
  done
  (cd aperture && git realm domain create s3-access --repos aperture,fungal -q \
     && git realm export paths --domain s3-access --value '["a","b"]' -q)
  (cd fungal && git realm import paths --domain s3-access --requires '^1' --binding README.md -q)
  # The unrelated part, written in one realm commit by hand.
  git clone -q realm.git edit && cd edit
  for i in $(seq 1 "$n"); do
    mkdir -p "domains/other-$i/contracts" "domains/other-$i/bindings"
    printf 'name: other-%s\nurl: /srv/other-%s.git\njoined_at: 2026-01-24T10:00:00Z\n' "$i" "$i" > "repos/other-$i.yaml"
    printf 'name: other-%s\nmembers: [other-%s]\ncreated_at: 2026-01-24T10:00:00Z\n' "$i" "$i" > "domains/other-$i/domain.yaml"
    printf 'name: c\nowner: other-%s\nversion: 1.0.0\nvalue: [x]\n' "$i" > "domains/other-$i/contracts/c.yaml"
    printf 'repo: other-%s\nexports:\n- contract: c\n  source: {kind: value, value: [x]}\n' "$i" > "domains/other-$i/bindings/other-$i.yaml"
  done
  git add -A && git commit -qm "unrelated repos and domains" && git push -q origin main
  cd .. && rm -rf edit
  (cd fungal && git realm status --fetch -q)
}

make_realm small "$SMALL"
make_realm large "$LARGE"

hyperfine --warmup 3 --runs 30 -N \
  -n "status, $SMALL unrelated domains" "git -C $work/small/fungal realm status" \
  -n "status, $LARGE unrelated domains" "git -C $work/large/fungal realm status" \
  -n "check, $SMALL unrelated domains" "git -C $work/small/fungal realm check" \
  -n "check, $LARGE unrelated domains" "git -C $work/large/fungal realm check" \
  --export-json "$work/result.json" >/dev/null

python3 - "$work/result.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
names = list(r)
for small, large in ((names[0], names[1]), (names[2], names[3])):
    print(f"{large}: {r[large]*1000:.1f} ms median; {small}: {r[small]*1000:.1f} ms; ratio {r[large]/r[small]:.2f}")
PY

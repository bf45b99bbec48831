#!/usr/bin/env python3
"""Write a `git fast-import` stream on stdout, for the benchmarks in benches/run.sh.

  gen.py realm NAME REPOS DOMAINS HEAVY   a realm: REPOS repos r00000..; DOMAINS domains
                                         d0000.. of 5 members and 10 contracts each (every
                                         member exports 2 and imports 2); a member `heavy`
                                         in the first HEAVY domains, importing all 10
                                         contracts of each; and domain s3-access with the
                                         members the benchmarks drive: aperture (exports
                                         `paths` from paths.json), fungal (imports it),
                                         leaver (exports `spare`, imported by nobody).
  gen.py team NAME N URLPREFIX           a realm of N members t01.. (urls URLPREFIX/tNN.git),
                                         one domain `team`, each exporting c-tNN from value.json.
  gen.py files N                         one commit of N small files (a member repository).
"""
import sys

T = "2026-01-24T10:00:00Z"
out = sys.stdout.buffer
mark = [0]


def files_commit(ref, message, files):
    out.write(f"commit {ref}\ncommitter bench <bench@example.com> 1769248800 +0000\n".encode())
    msg = message.encode()
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for path, text in files:
        data = text.encode()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"\n")


def realm_yaml(name):
    return (f"format: 1\nname: {name}\ncreated_at: {T}\ngovernance:\n  admission: open\n"
            "  approvers: []\n  breaking_changes:\n    require_approval: false\n    grace_period_days: 14\n")


def repo(name, url):
    return f"name: {name}\nurl: {url}\nmaintainers:\n- bench@example.com\njoined_at: {T}\n"


def domain(name, members):
    return f"name: {name}\ndescription: ''\nmembers:\n" + "".join(f"- {m}\n" for m in members) + f"created_at: {T}\n"


def contract(name, owner, value):
    return (f"name: {name}\nowner: {owner}\nversion: 1.0.0\ndescription: ''\nvalue:\n"
            + "".join(f"- {v}\n" for v in value)
            + "changelog:\n- version: 1.0.0\n  date: 2026-01-24\n  changes:\n  - initial version\nnotifications: []\n")


def binding(repo_name, exports, imports):
    s = f"repo: {repo_name}\n"
    s += "exports:\n" if exports else "exports: []\n"
    for c, source in exports:
        s += f"- contract: {c}\n  source:\n{source}"
    s += "imports:\n" if imports else "imports: []\n"
    for c in imports:
        s += f"- contract: {c}\n  version: ^1\n  binding: README.md\n  resolved_version: 1.0.0\n"
    return s


VALUE = "    kind: value\n    value:\n    - x\n"


def file_source(path):
    return f"    kind: file\n    path: {path}\n"


def realm(name, n_repos, n_domains, heavy):
    files = [("realm.yaml", realm_yaml(name))]
    for i in range(n_repos):
        files.append((f"repos/r{i:05}.yaml", repo(f"r{i:05}", f"/srv/r{i:05}.git")))
    for special in ("aperture", "fungal", "leaver", "heavy"):
        files.append((f"repos/{special}.yaml", repo(special, f"/srv/{special}.git")))
    for d in range(n_domains):
        dn = f"d{d:04}"
        members = [f"r{(5 * d + k) % max(n_repos, 1):05}" for k in range(5)]
        extra = ["heavy"] if d < heavy else []
        files.append((f"domains/{dn}/domain.yaml", domain(dn, sorted(members + extra))))
        for j in range(10):
            files.append((f"domains/{dn}/contracts/c{j}.yaml", contract(f"c{j}", members[j % 5], ["x"])))
        for k, m in enumerate(members):
            nxt = (k + 1) % 5
            files.append((f"domains/{dn}/bindings/{m}.yaml",
                          binding(m, [(f"c{k}", VALUE), (f"c{k + 5}", VALUE)], [f"c{nxt}", f"c{nxt + 5}"])))
        if extra:
            files.append((f"domains/{dn}/bindings/heavy.yaml", binding("heavy", [], [f"c{j}" for j in range(10)])))
    files.append(("domains/s3-access/domain.yaml", domain("s3-access", ["aperture", "fungal", "leaver"])))
    files.append(("domains/s3-access/contracts/paths.yaml", contract("paths", "aperture", ["a", "b"])))
    files.append(("domains/s3-access/contracts/spare.yaml", contract("spare", "leaver", ["x"])))
    files.append(("domains/s3-access/bindings/aperture.yaml", binding("aperture", [("paths", file_source("paths.json"))], [])))
    files.append(("domains/s3-access/bindings/fungal.yaml", binding("fungal", [], ["paths"])))
    files.append(("domains/s3-access/bindings/leaver.yaml", binding("leaver", [("spare", VALUE)], [])))
    files_commit("refs/heads/main", f"bench: {n_repos} repos, {n_domains} domains", files)


def team(name, n, prefix):
    members = [f"t{i:02}" for i in range(1, n + 1)]
    files = [("realm.yaml", realm_yaml(name))]
    for m in members:
        files.append((f"repos/{m}.yaml", repo(m, f"{prefix}/{m}.git")))
        files.append((f"domains/team/contracts/c-{m}.yaml", contract(f"c-{m}", m, ["a"])))
        files.append((f"domains/team/bindings/{m}.yaml", binding(m, [(f"c-{m}", file_source("value.json"))], [])))
    files.append(("domains/team/domain.yaml", domain("team", members)))
    files_commit("refs/heads/main", f"bench: team of {n}", files)


def member_files(n):
    files = [("README.md", "# bench\n"), ("value.json", '["a", "b"]\n'), ("paths.json", '["a", "b", "c"]\n')]
    for i in range(n):
        files.append((f"src/m{i // 100:02}/f{i:04}.txt", f"file {i}\n"))
    files_commit("refs/heads/main", "initial", files)


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "realm":
        realm(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif kind == "team":
        team(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif kind == "files":
        member_files(int(sys.argv[2]))
    else:
        sys.exit(__doc__)

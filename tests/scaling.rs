//! The cost of `join`, `sync` and `status` does not grow with the parts of the
//! realm that do not concern the member: the same git processes run in a realm
//! with no other repos as in one with many (counted with `GIT_TRACE`). Timings are
//! for `benches/run.sh`, never for tests.

mod common;

use common::World;

/// A realm where aperture provides `d/c` (from `v.json`) and fungal imports it,
/// plus `unrelated` other repos, each alone in a domain with a contract and a
/// binding; and `newbie`, a repository that has not joined yet.
fn world(unrelated: usize) -> World {
    let w = World::new();
    let realm = w.bare_realm("acme");
    w.member("aperture");
    w.member("fungal");
    w.member("newbie");
    w.realm("aperture", &["join", &realm]).ok();
    w.realm("fungal", &["join", &realm]).ok();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    w.write("aperture", "v.json", r#"["a"]"#);
    w.git("aperture", &["add", "v.json"]).ok();
    w.git("aperture", &["commit", "-q", "-m", "v"]).ok();
    w.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--file", "v.json"],
    )
    .ok();
    w.realm(
        "fungal",
        &[
            "import",
            "c",
            "--domain",
            "d",
            "--requires",
            "^1",
            "--binding",
            "README.md",
        ],
    )
    .ok();
    let mut files = Vec::new();
    for i in 0..unrelated {
        let r = format!("other-{i}");
        files.push((
            format!("repos/{r}.yaml"),
            format!("name: {r}\nurl: /srv/{r}.git\njoined_at: 2026-01-24T10:00:00Z\n"),
        ));
        files.push((
            format!("domains/{r}/domain.yaml"),
            format!("name: {r}\nmembers: [{r}]\ncreated_at: 2026-01-24T10:00:00Z\n"),
        ));
        files.push((
            format!("domains/{r}/contracts/c.yaml"),
            format!("name: c\nowner: {r}\nversion: 1.0.0\nvalue: [x]\n"),
        ));
        files.push((
            format!("domains/{r}/bindings/{r}.yaml"),
            format!(
                "repo: {r}\nexports:\n- contract: c\n  source: {{kind: value, value: [x]}}\nimports:\n- contract: c\n  version: ^1\n  binding: README.md\n"
            ),
        ));
    }
    if !files.is_empty() {
        w.edit_realm("acme.git", &files);
    }
    w.realm("fungal", &["status", "--fetch"]).ok();
    w.realm("aperture", &["status", "--fetch"]).ok();
    w
}

/// The git commands `git realm ARGS` ran in `dir` (`fetch`, `push`, `config`…),
/// sorted.
fn git_processes(w: &World, dir: &str, args: &[&str]) -> Vec<String> {
    let trace = w.path(&format!("trace-{}.log", dir.replace('/', "-")));
    let _ = std::fs::remove_file(&trace);
    let mut all = vec!["realm"];
    all.extend_from_slice(args);
    let mut cmd = w.command(&w.path(dir), "git", &all);
    cmd.env("GIT_TRACE", &trace);
    w.run_cmd(cmd).ok();
    let log = std::fs::read_to_string(&trace).unwrap_or_default();
    let mut out: Vec<String> = log
        .lines()
        .filter_map(|l| l.split_once("built-in: git ").map(|(_, rest)| rest))
        // receive-pack's listing of the remote's alternate refs.
        .filter(|rest| !rest.contains("%(objectname)"))
        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
        // The transport's own helpers: how a pack is stored depends on its size
        // (`transfer.unpackLimit`), not on what git-realm asked for; `fetch` runs
        // `maintenance --auto`.
        .filter(|p| {
            !matches!(
                p.as_str(),
                "pack-objects"
                    | "unpack-objects"
                    | "index-pack"
                    | "upload-pack"
                    | "receive-pack"
                    | "rev-list"
                    | "maintenance"
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn join_sync_and_status_run_the_same_git_processes_whatever_the_size_of_the_realm() {
    let small = world(0);
    let large = world(40);
    let mut seen = Vec::new();
    for w in [&small, &large] {
        let realm = w.path("acme.git").display().to_string();
        w.write("aperture", "v.json", r#"["a","b"]"#);
        w.git("aperture", &["commit", "-q", "-am", "more"]).ok();
        let status = git_processes(w, "fungal", &["status"]);
        let join = git_processes(w, "newbie", &["join", &realm]);
        let sync = git_processes(w, "aperture", &["sync", "--no-notify"]);
        seen.push((status, join, sync));
    }
    let (status, join, sync) = &seen[0];
    // `status` reads local refs only: no git process besides the `git realm` itself.
    assert!(
        !status.iter().any(|p| p == "fetch" || p == "push"),
        "{status:?}"
    );
    let count = |list: &[String], what: &str| list.iter().filter(|p| *p == what).count();
    // A join of a new repository and a sync without contention: one fetch, one push.
    // Membership is recorded in the config without a `git config` process per key.
    assert_eq!(join, &["fetch", "push"], "{join:?}");
    assert_eq!(count(sync, "fetch"), 1, "{sync:?}");
    assert_eq!(count(sync, "push"), 1, "{sync:?}");
    assert_eq!(seen[0], seen[1], "the larger realm ran other git processes");
    // Both did what they say.
    for w in [&small, &large] {
        let files = w.realm_files("acme.git");
        assert!(files.contains(&"repos/newbie.yaml".to_owned()), "{files:?}");
        let c = w
            .git("acme.git", &["show", "main:domains/d/contracts/c.yaml"])
            .ok()
            .stdout;
        assert!(c.contains("version: 1.1.0"), "{c}");
    }
}

#[test]
fn worktree_commit_and_push_run_one_git_process_of_each_kind_per_repo() {
    let w = world(0);
    let repos = ["aperture", "fungal"];
    let count = |list: &[String], what: &str| list.iter().filter(|p| *p == what).count();
    // `worktree`: one `worktree list` and one `worktree add` per repo; the realm
    // write (fetch, push) and each sibling's realm copy (a fetch).
    let started = git_processes(&w, "aperture", &["worktree", "c", "--domain", "d"]);
    assert_eq!(count(&started, "worktree"), 2 * repos.len(), "{started:?}");
    assert_eq!(count(&started, "push"), 1, "{started:?}");
    assert_eq!(count(&started, "fetch"), repos.len(), "{started:?}");

    // `commit -a`: one `commit` per repo, tried at once where no pre-commit hook
    // can run (no `diff` first); the files of each commit are read in-process
    // (no `diff-tree`); one realm write.
    let wt = "aperture/.worktrees/c";
    for r in repos {
        w.write(&format!("{r}/.worktrees/c"), "README.md", "changed\n");
    }
    let committed = git_processes(&w, wt, &["commit", "-a", "-m", "change"]);
    assert_eq!(count(&committed, "commit"), repos.len(), "{committed:?}");
    assert_eq!(count(&committed, "diff"), 0, "{committed:?}");
    assert_eq!(count(&committed, "diff-tree"), 0, "{committed:?}");
    assert_eq!(count(&committed, "fetch"), 1, "{committed:?}");
    assert_eq!(count(&committed, "push"), 1, "{committed:?}");

    // `push`: one `git push` per repo carries the branch and the notes; nothing
    // is fetched while no other machine pushed notes.
    let pushed = git_processes(&w, wt, &["push"]);
    assert_eq!(pushed, vec!["push".to_owned(); repos.len()], "{pushed:?}");
    for r in repos {
        let (here, origin) = (format!("{r}/.worktrees/c"), format!("remotes/{r}.git"));
        let branch = w.git(&here, &["branch", "--show-current"]).ok().stdout;
        for pushed in [
            format!("refs/heads/{}", branch.trim()),
            "refs/notes/realm".into(),
        ] {
            assert_eq!(
                w.rev(&origin, &pushed),
                w.rev(&here, &pushed),
                "{r}: {pushed}"
            );
        }
    }
    // Again: both up to date, still one push each.
    let again = git_processes(&w, wt, &["push"]);
    assert_eq!(again, vec!["push".to_owned(); repos.len()], "{again:?}");

    // fungal has a pre-commit hook and nothing to commit: it is asked with a
    // `diff` first, so its hook never runs; aperture commits at once.
    let ran = w.path("hook-ran");
    w.write_exe(
        "fungal/.git/hooks/pre-commit",
        &format!("#!/bin/sh\ntouch '{}'\n", ran.display()),
    );
    w.write(wt, "README.md", "changed again\n");
    let second = git_processes(&w, wt, &["commit", "-a", "-m", "again"]);
    assert_eq!(count(&second, "commit"), 1, "{second:?}");
    assert_eq!(count(&second, "diff"), 1, "{second:?}");
    assert!(
        !ran.exists(),
        "the hook ran in a repo with nothing to commit"
    );
}

/// How many realm objects `git realm ARGS -v` in `dir` says it read.
fn objects_read(w: &World, dir: &str, args: &[&str], cache: bool) -> usize {
    let mut all = args.to_vec();
    all.push("-v");
    let env = [(
        "GIT_REALM_CACHE".to_owned(),
        if cache { "1" } else { "0" }.to_owned(),
    )];
    let run = w.realm_env(dir, &all, &env).ok();
    run.stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("realm: ")?
                .strip_suffix(" realm objects read")
        })
        .unwrap_or_else(|| panic!("no object count in:\n{}", run.stderr))
        .parse()
        .unwrap()
}

#[test]
fn status_reads_as_many_realm_objects_in_a_large_realm_as_in_a_small_one() {
    let small = world(0);
    let large = world(40);
    // The first status after a fetch updated the local cache (in `world`): from
    // then on, status reads what concerns the member, not the realm.
    let counts: Vec<(usize, usize)> = [&small, &large]
        .iter()
        .map(|w| {
            (
                objects_read(w, "fungal", &["status"], true),
                objects_read(w, "fungal", &["status"], false),
            )
        })
        .collect();
    let (small_cached, small_uncached) = counts[0];
    let (large_cached, large_uncached) = counts[1];
    assert_eq!(
        large_cached, small_cached,
        "status read {large_cached} objects with 40 unrelated repos, {small_cached} without"
    );
    // Without the cache, every domain is looked at: the counter sees it.
    assert!(
        large_uncached >= small_uncached + 40 * 2,
        "uncached: {large_uncached} vs {small_uncached}"
    );
    assert!(small_cached <= small_uncached + 1, "{counts:?}");
}

#[test]
fn sync_reads_as_many_realm_objects_in_a_large_realm_as_in_a_small_one() {
    let small = world(0);
    let large = world(40);
    let counts: Vec<usize> = [&small, &large]
        .iter()
        .map(|w| {
            w.write("aperture", "v.json", r#"["a","b"]"#);
            w.git("aperture", &["commit", "-q", "-am", "more"]).ok();
            let run = w.realm("aperture", &["sync", "--no-notify", "-v"]).ok();
            // Who is left to tell comes from the state the sync wrote.
            assert!(
                run.stdout.contains("fungal: not on GitHub") && run.stdout.contains("c@1.1.0"),
                "{}",
                run.stdout
            );
            run.stderr
                .lines()
                .find_map(|l| {
                    l.strip_prefix("realm: ")?
                        .strip_suffix(" realm objects read")
                })
                .expect("an object count")
                .parse()
                .unwrap()
        })
        .collect();
    // That state is read with the cache of the state the sync started from, not
    // by looking at every domain of the realm.
    assert_eq!(
        counts[0], counts[1],
        "sync read {} objects with 40 unrelated domains, {} without",
        counts[1], counts[0]
    );
}

#[test]
fn graph_domain_list_and_leave_read_as_many_realm_objects_in_a_large_realm_as_in_a_small_one() {
    let small = world(0);
    let large = world(40);
    for args in [
        &["graph"][..],
        &["domain", "list"][..],
        &["leave", "-n"][..],
    ] {
        let counts: Vec<(usize, usize)> = [&small, &large]
            .iter()
            .map(|w| {
                // The first one builds the facts of every domain.
                w.realm("fungal", args).ok();
                (
                    objects_read(w, "fungal", args, true),
                    objects_read(w, "fungal", args, false),
                )
            })
            .collect();
        let ((small_cached, small_uncached), (large_cached, large_uncached)) =
            (counts[0], counts[1]);
        // From the facts: no domain is parsed again, whatever the size of the realm.
        assert_eq!(
            large_cached, small_cached,
            "`{args:?}` read {large_cached} objects with 40 unrelated domains, {small_cached} without"
        );
        // Without them, every domain is read: the counter sees it.
        assert!(
            large_uncached >= small_uncached + 40 * 2,
            "`{args:?}` uncached: {large_uncached} vs {small_uncached}"
        );
    }
}

#[test]
fn status_of_a_member_with_many_imports_reads_no_contract_once_they_are_parsed() {
    let one = world(0);
    let many = world(0);
    // fungal also imports the three contracts of each of 20 more domains.
    let mut files = Vec::new();
    for i in 0..20 {
        let d = format!("h{i}");
        files.push((
            format!("domains/{d}/domain.yaml"),
            format!("name: {d}\nmembers: [aperture, fungal]\ncreated_at: 2026-01-24T10:00:00Z\n"),
        ));
        let mut imports = String::new();
        for c in ["c0", "c1", "c2"] {
            files.push((
                format!("domains/{d}/contracts/{c}.yaml"),
                format!("name: {c}\nowner: aperture\nversion: 1.0.0\nvalue: [x]\n"),
            ));
            imports.push_str(&format!(
                "- contract: {c}\n  version: ^1\n  binding: README.md\n  resolved_version: 1.0.0\n"
            ));
        }
        files.push((
            format!("domains/{d}/bindings/fungal.yaml"),
            format!("repo: fungal\nexports: []\nimports:\n{imports}"),
        ));
    }
    many.edit_realm("acme.git", &files);
    // The first status after the fetch parses them, and records them parsed.
    many.realm("fungal", &["status", "--fetch"]).ok();
    let (one_cached, many_cached, many_uncached) = (
        objects_read(&one, "fungal", &["status"], true),
        objects_read(&many, "fungal", &["status"], true),
        objects_read(&many, "fungal", &["status"], false),
    );
    assert_eq!(
        many_cached, one_cached,
        "status read {many_cached} objects with 61 imports, {one_cached} with one"
    );
    // Without the cache, every binding and contract is read: the counter sees it.
    assert!(
        many_uncached >= one_cached + 80 * 2,
        "uncached: {many_uncached} vs {one_cached}"
    );
}

//! What goes wrong outside the story: closed pipes, corrupt repositories, numbers
//! at their limits. Each fails the way a git user expects, never with a panic.

mod common;

use std::process::Stdio;

use common::World;

/// aperture, joined to a bare realm, exporting `d/c` = ["a"].
fn provider(w: &World) -> String {
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    w.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a"]"#],
    )
    .ok();
    realm
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_like_git() {
    let w = World::new();
    provider(&w);
    let mut cmd = w.command(&w.path("aperture"), "git", &["realm", "graph"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Close the reading end before the command writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "nothing to say about a closed pipe: {stderr}"
    );
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn a_version_at_the_limit_is_an_error_naming_the_contract_not_an_overflow() {
    let w = World::new();
    let realm = provider(&w);
    let path = "domains/d/contracts/c.yaml";
    let text = w
        .git(&realm, &["show", &format!("main:{path}")])
        .ok()
        .stdout;
    let edited = text
        .replacen("version: 1.0.0", "version: 18446744073709551615.0.0", 1)
        .replace("- a", "- b");
    assert_ne!(text, edited, "the contract has a top-level version: {text}");
    w.edit_realm(&realm, &[(path, &edited)]);

    let check = w.realm("aperture", &["check", "--fetch"]).code(1);
    assert!(
        check.stdout.contains("cannot take a major bump"),
        "{}",
        check.stdout
    );
    let sync = w.realm("aperture", &["sync"]);
    assert!(!sync.stderr.contains("panicked"), "{}", sync.stderr);
    assert!(
        sync.stdout.contains("cannot take a major bump")
            || sync.stderr.contains("cannot take a major bump"),
        "{}{}",
        sync.stdout,
        sync.stderr
    );
}

#[test]
fn a_corrupt_object_database_is_an_internal_failure_exit_5() {
    let w = World::new();
    provider(&w);
    // Remove the loose object of the local realm copy's tree.
    let tree = w.rev("aperture", "refs/realm/letemcook/main^{tree}");
    let object = w
        .path("aperture/.git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
    std::fs::remove_file(&object).expect("the realm tree is a loose object");
    let status = w.realm("aperture", &["status"]);
    assert_eq!(status.code, 5, "{}{}", status.stdout, status.stderr);
    assert!(status.stderr.contains("error:"), "{}", status.stderr);
}

/// Start `git realm ARGS` in `dir` without waiting for it.
fn spawn(w: &World, dir: &str, args: &[&str]) -> std::process::Child {
    let mut all = vec!["realm"];
    all.extend_from_slice(args);
    let mut cmd = w.command(&w.path(dir), "git", &all);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("git realm starts")
}

/// Set a file's modification time `ago` in the past.
fn backdate(path: &std::path::Path, ago: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - ago)
        .unwrap();
}

#[test]
fn a_realm_made_by_init_takes_sixteen_concurrent_writers() {
    let w = World::new();
    // The README's quick start: no --bare.
    w.realm(".", &["init", "realm-letemcook", "--name", "letemcook"])
        .ok();
    assert_eq!(
        w.git("realm-letemcook", &["rev-parse", "--is-bare-repository"])
            .ok()
            .stdout
            .trim(),
        "true",
        "a realm is a shared remote: bare"
    );
    let realm = w.path("realm-letemcook").display().to_string();
    let names: Vec<String> = (0..16).map(|i| format!("svc-{i:02}")).collect();
    for n in &names {
        w.member(n);
    }
    let children: Vec<_> = names
        .iter()
        .map(|n| spawn(&w, n, &["join", &realm]))
        .collect();
    for (n, child) in names.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{n}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let files = w.realm_files("realm-letemcook");
    for n in &names {
        assert!(files.contains(&format!("repos/{n}.yaml")), "{files:?}");
    }
    // And it stays writable.
    w.realm(&names[0], &["domain", "create", "d", "--repos", &names[0]])
        .ok();
}

#[test]
fn a_realm_with_its_main_checked_out_is_refused_with_how_to_convert_it() {
    let w = World::new();
    // A realm as older versions made it: a working tree on main, updateInstead.
    let bare = w.bare_realm("letemcook");
    w.git(".", &["clone", "-q", &bare, "old-realm"]).ok();
    w.git(
        "old-realm",
        &["config", "receive.denyCurrentBranch", "updateInstead"],
    )
    .ok();
    w.member("aperture");
    let before = w.rev("old-realm", "main");
    let out = w.realm("aperture", &["join", "../old-realm"]).code(3);
    assert!(
        out.stderr.contains("git config --bool core.bare true"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev("old-realm", "main"), before, "nothing written");
    assert_eq!(
        w.git("old-realm", &["status", "--porcelain"]).ok().stdout,
        "",
        "its working tree is left alone"
    );
    // Converted as the message says, it takes writers.
    w.git("old-realm", &["config", "--bool", "core.bare", "true"])
        .ok();
    w.realm("aperture", &["join", "../old-realm"]).ok();
}

#[test]
fn init_in_a_repository_with_a_working_tree_never_discards_staged_files() {
    let w = World::new();
    // main checked out (unborn), a new file staged: refused, nothing touched.
    w.git(".", &["init", "-q", "project"]).ok();
    w.write("project", "notes.txt", "mine\n");
    w.git("project", &["add", "notes.txt"]).ok();
    let out = w
        .realm(".", &["init", "project", "--name", "letemcook"])
        .code(2);
    assert!(
        out.stderr.contains("core.bare true"),
        "says how to convert it: {}",
        out.stderr
    );
    let staged = w
        .git("project", &["diff", "--cached", "--name-only"])
        .ok()
        .stdout;
    assert_eq!(staged.trim(), "notes.txt");
    assert_eq!(
        std::fs::read_to_string(w.path("project/notes.txt")).unwrap(),
        "mine\n"
    );

    // A working tree on another branch: the realm is written to main, the
    // working tree and index stay as they were.
    w.git(".", &["init", "-q", "-b", "trunk", "other"]).ok();
    w.write("other", "draft.txt", "draft\n");
    w.git("other", &["add", "draft.txt"]).ok();
    w.realm(".", &["init", "other", "--name", "other"]).ok();
    assert_eq!(
        w.git("other", &["diff", "--cached", "--name-only"])
            .ok()
            .stdout
            .trim(),
        "draft.txt"
    );
    assert_eq!(
        w.git("other", &["ls-tree", "--name-only", "main"])
            .ok()
            .stdout
            .trim(),
        "realm.yaml"
    );
}

#[test]
fn a_hook_that_rejects_is_refused_at_once_with_its_message() {
    let w = World::new();
    let realm = provider(&w);
    w.write_exe(
        "letemcook.git/hooks/pre-receive",
        "#!/bin/sh\necho 'the realm is frozen until the release' >&2\nexit 1\n",
    );
    let started = std::time::Instant::now();
    let out = w
        .realm(
            "aperture",
            &["domain", "create", "e", "--repos", "aperture"],
        )
        .code(3);
    assert!(
        out.stderr.contains("the realm is frozen until the release"),
        "names the hook's message: {}",
        out.stderr
    );
    assert!(out.stderr.contains("refused"), "{}", out.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "not retried"
    );
    assert!(
        !w.realm_files(&realm)
            .iter()
            .any(|f| f.contains("domains/e/"))
    );
}

#[test]
fn a_ref_lock_held_for_a_moment_is_retried_and_the_write_lands() {
    let w = World::new();
    let realm = provider(&w);
    // Another writer holds the realm's branch lock (a fresh lock file) and
    // releases it a moment later.
    let lock = w.path("letemcook.git/refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let release = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            std::fs::remove_file(lock).unwrap();
        })
    };
    let out = w.realm(
        "aperture",
        &["domain", "create", "e", "--repos", "aperture"],
    );
    release.join().unwrap();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        w.realm_files(&realm)
            .contains(&"domains/e/domain.yaml".to_owned())
    );
}

#[test]
fn a_stale_lock_file_in_the_realm_is_named_with_its_age_not_atomic_transaction_failed() {
    let w = World::new();
    provider(&w);
    // What a push killed with -9 leaves in a local-path realm.
    let lock = w.path("letemcook.git/refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    backdate(&lock, std::time::Duration::from_secs(600));
    let out = w
        .realm(
            "aperture",
            &["domain", "create", "e", "--repos", "aperture"],
        )
        .code(3);
    assert!(
        out.stderr.contains(&lock.display().to_string()),
        "names the file: {}",
        out.stderr
    );
    assert!(out.stderr.contains("10 minutes"), "its age: {}", out.stderr);
    assert!(
        out.stderr.contains("rm '"),
        "how to clear it: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("atomic transaction failed"),
        "{}",
        out.stderr
    );
    assert!(lock.exists(), "a lock is never removed by git-realm");
    // Cleared as the message says, the same command finishes the job.
    std::fs::remove_file(&lock).unwrap();
    w.realm(
        "aperture",
        &["domain", "create", "e", "--repos", "aperture"],
    )
    .ok();
}

#[test]
fn status_fetch_offline_shows_the_local_copy_and_check_fetch_fails() {
    let w = World::new();
    let realm = provider(&w);
    std::fs::rename(&realm, w.path("moved.git")).unwrap();
    let out = w.realm("aperture", &["status", "--fetch"]).ok();
    assert!(out.stderr.contains("warning:"), "{}", out.stderr);
    assert!(out.stderr.contains("local copy"), "{}", out.stderr);
    assert!(
        out.stdout.contains("Registered as aperture"),
        "{}",
        out.stdout
    );
    let json = w
        .realm("aperture", &["status", "--fetch", "--json"])
        .ok()
        .json();
    assert!(json["realms"][0]["fetch_error"].is_string(), "{json}");
    w.realm("aperture", &["check", "--fetch"]).code(4);
}

#[test]
fn a_command_on_several_realms_reports_each_and_exits_with_the_worst() {
    let w = World::new();
    provider(&w);
    let second = w.bare_realm("second");
    w.realm("aperture", &["join", &second]).ok();
    // The first realm (by name) goes away; the second must still be reported.
    std::fs::rename(w.path("letemcook.git"), w.path("gone.git")).unwrap();
    let out = w.realm("aperture", &["check", "--fetch"]).code(4);
    assert!(out.stderr.contains("realm 'letemcook'"), "{}", out.stderr);
    assert!(
        out.stdout.contains("aperture in realm 'second'"),
        "{}",
        out.stdout
    );
    let out = w.realm("aperture", &["sync"]).code(4);
    assert!(out.stderr.contains("realm 'letemcook'"), "{}", out.stderr);
    assert!(
        out.stdout.contains("Syncing with realm 'second'"),
        "{}",
        out.stdout
    );
}

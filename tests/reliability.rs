//! What goes wrong outside the story: closed pipes, corrupt repositories, numbers
//! at their limits. Each fails the way a git user expects, never with a panic.

mod common;
mod support;

use std::process::Stdio;

use common::World;
use support::GhDouble;

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
    // The source lives in aperture's repository, committed with its code.
    w.git("aperture", &["commit", "-q", "-m", "export c"]).ok();
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

/// Help and version written to a full disk fail as any other output does
/// (exit 5, naming the error): clap's own printing ignored it and exited 0.
#[test]
fn help_to_a_full_disk_is_an_error() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipping");
        return;
    }
    let w = World::new();
    w.member("app");
    for args in [
        &["realm", "status", "-h"][..],
        &["realm", "-h"],
        &["realm", "status", "--version"],
    ] {
        let mut cmd = w.command(&w.path("app"), "git", args);
        cmd.stdout(std::fs::File::create("/dev/full").unwrap());
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(stderr.contains("No space left"), "{args:?}: {stderr}");
    }
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

/// A lock file at `rel` in the world, as a process killed 10 minutes ago left it.
fn left_lock(w: &World, rel: &str) -> std::path::PathBuf {
    let lock = w.path(rel);
    std::fs::write(&lock, "").unwrap();
    backdate(&lock, std::time::Duration::from_secs(600));
    lock
}

/// `stderr` names `lock` (left 10 minutes ago) and how to clear it.
fn assert_names_lock(stderr: &str, lock: &std::path::Path) {
    assert!(
        stderr.contains(&lock.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("10 minutes"), "its age: {stderr}");
    assert!(stderr.contains("rm '"), "how to clear it: {stderr}");
}

#[test]
fn a_stale_lock_file_in_the_realm_is_named_with_its_age_not_atomic_transaction_failed() {
    let w = World::new();
    provider(&w);
    // What a push killed with -9 leaves in a local-path realm.
    let lock = left_lock(&w, "letemcook.git/refs/heads/main.lock");
    let out = w
        .realm(
            "aperture",
            &["domain", "create", "e", "--repos", "aperture"],
        )
        .code(3);
    assert_names_lock(&out.stderr, &lock);
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

/// `newbie` joins `realm` (made by `provider`) while this machine's turn is
/// held: `join` fetches, waits, and meanwhile a writer on another machine moves
/// the realm, so its write starts from a second fetch; `meanwhile` runs while it
/// waits. Its stderr (`-v`).
fn join_while_the_realm_moves(w: &World, realm: &str, meanwhile: impl Fn()) -> String {
    // This machine's turn for the realm (the file the writes so far made),
    // held here as another writer on this machine would hold it.
    let locks = w.path("home/.config/git-realm/locks");
    let turn: Vec<_> = std::fs::read_dir(&locks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(turn.len(), 1, "one realm, one turn: {turn:?}");
    let held = std::fs::File::options().write(true).open(&turn[0]).unwrap();
    held.lock().unwrap();
    let joiner = spawn(w, "newbie", &["join", realm, "-v"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // Another index, so another turn: as from another machine.
    w.realm_env(
        "aperture",
        &["domain", "create", "e", "--repos", "aperture"],
        &[(
            "GIT_REALM_INDEX".into(),
            w.path("elsewhere/index.yaml").display().to_string(),
        )],
    )
    .ok();
    meanwhile();
    drop(held);
    let out = joiner.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let files = w.realm_files(realm);
    assert!(files.contains(&"repos/newbie.yaml".to_owned()), "{files:?}");
    assert!(
        files.contains(&"domains/e/domain.yaml".to_owned()),
        "{files:?}"
    );
    stderr
}

#[test]
fn a_writer_that_waited_for_its_turn_fetches_before_it_pushes() {
    let w = World::new();
    let realm = provider(&w);
    w.member("newbie");
    let stderr = join_while_the_realm_moves(&w, &realm, || ());
    // Its turn starts from a fetch: no push of a state it knows is stale, no
    // lost race, no backoff.
    assert!(!stderr.contains("realm moved"), "{stderr}");
}

#[test]
fn a_fetch_is_read_whatever_packs_the_repository_gathered_meanwhile() {
    let w = World::new();
    let realm = provider(&w);
    w.member("newbie");
    // Every fetch keeps what it receives as a pack of its own.
    w.git("newbie", &["config", "fetch.unpackLimit", "1"]).ok();
    let add_packs = |n: usize| {
        for i in 0..n {
            let message = format!("pack {i}");
            w.git("newbie", &["commit", "-q", "--allow-empty", "-m", &message])
                .ok();
            w.git("newbie", &["repack", "-q"]).ok();
        }
    };
    let packs = || {
        std::fs::read_dir(w.path("newbie/.git/objects/pack"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("idx".as_ref()))
            .count()
    };
    // 29 packs when `join` opens the repository (gix makes room for 32 by
    // default), its first fetch adds one, the repository's own git adds four
    // while it waits for its turn, and its second fetch one more: 35.
    add_packs(29);
    join_while_the_realm_moves(&w, &realm, || add_packs(4));
    assert_eq!(packs(), 35);
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

/// A realm, members `names` (in one domain `d`) and change `c` with a worktree
/// in each: `<name>/.worktrees/c`.
fn change(w: &World, names: &[&str]) {
    let realm = w.bare_realm("letemcook");
    for n in names {
        w.member(n);
        w.realm(n, &["join", &realm]).ok();
    }
    w.realm(
        names[0],
        &["domain", "create", "d", "--repos", &names.join(",")],
    )
    .ok();
    w.realm(names[0], &["worktree", "c", "--domain", "d"]).ok();
}

fn wt(name: &str) -> String {
    format!("{name}/.worktrees/c")
}

fn stage(w: &World, name: &str, file: &str) {
    w.write(&wt(name), file, &format!("{name} {file}\n"));
    w.git(&wt(name), &["add", file]).ok();
}

#[test]
fn push_works_on_at_most_jobs_repos_at_once() {
    let w = World::new();
    let names = ["r-a", "r-b", "r-c"];
    change(&w, &names);
    let inflight = w.path("inflight");
    std::fs::create_dir_all(&inflight).unwrap();
    let log = w.path("most.log");
    for n in names {
        stage(&w, n, "f.txt");
        w.write_exe(
            &format!("{n}/.git/hooks/pre-push"),
            &format!(
                "#!/bin/sh\ntouch '{d}/{n}'\nls '{d}' | wc -l >> '{log}'\nsleep 0.4\nrm '{d}/{n}'\n",
                d = inflight.display(),
                log = log.display()
            ),
        );
    }
    w.realm(&wt(names[0]), &["commit", "-m", "feat: f"]).ok();

    w.git(names[0], &["config", "realm.jobs", "nope"]).ok();
    let out = w.realm(&wt(names[0]), &["push"]).code(2);
    assert!(out.stderr.contains("realm.jobs"), "{}", out.stderr);
    w.realm(&wt(names[0]), &["push", "--jobs", "0"]).code(2);

    w.git(names[0], &["config", "realm.jobs", "1"]).ok();
    w.realm(&wt(names[0]), &["push"]).ok();
    let counts = std::fs::read_to_string(&log).unwrap();
    assert_eq!(counts.lines().count(), 3, "{counts}");
    assert!(
        counts.lines().all(|l| l.trim() == "1"),
        "one at a time with realm.jobs=1: {counts}"
    );
}

#[test]
fn a_round_is_an_id_so_reusing_a_message_never_relinks_an_old_commit() {
    let w = World::new();
    let names = ["r-a", "r-b"];
    change(&w, &names);
    stage(&w, "r-a", "one.txt");
    stage(&w, "r-b", "one.txt");
    let first = w
        .realm(&wt("r-a"), &["commit", "-m", "wip", "--json"])
        .ok()
        .json();
    let round = first["round"].as_str().unwrap().to_owned();
    let old_b = w.rev(&wt("r-b"), "HEAD");

    // Same message, only r-a has something new: r-b's old commit is not linked.
    stage(&w, "r-a", "two.txt");
    let second = w
        .realm(&wt("r-a"), &["commit", "-m", "wip", "--json"])
        .ok()
        .json();
    assert_ne!(second["round"], round.as_str(), "a new round");
    let linked = second["linked"].as_array().unwrap();
    assert_eq!(linked.len(), 1, "{second}");
    assert!(linked[0].as_str().unwrap().starts_with("r-a@"), "{second}");
    assert_eq!(
        second["repos"][1]["outcome"], "nothing-to-commit",
        "{second}"
    );
    let note = w
        .git(&wt("r-b"), &["notes", "--ref", "realm", "show", &old_b])
        .ok()
        .stdout;
    assert_eq!(note.lines().count(), 1, "r-b's note is untouched: {note}");
    assert!(note.contains(&format!("\"round\":\"{round}\"")), "{note}");
    let record = w
        .git("letemcook.git", &["show", "main:changes/c.yaml"])
        .ok()
        .stdout;
    assert!(record.contains(&format!("round: {round}")), "{record}");
}

#[test]
fn a_commit_killed_with_minus_nine_is_finished_by_re_running_it() {
    use std::os::unix::process::CommandExt;
    let w = World::new();
    let names = ["r-a", "r-b"];
    change(&w, &names);
    stage(&w, "r-a", "f.txt");
    stage(&w, "r-b", "f.txt");
    let a0 = w.rev(&wt("r-a"), "HEAD");
    // r-b's pre-commit hook hangs (`git commit -a` holds r-b's index.lock
    // meanwhile).
    let marker = w.path("hook-started");
    w.write_exe(
        "r-b/.git/hooks/pre-commit",
        &format!("#!/bin/sh\ntouch '{}'\nsleep 60\n", marker.display()),
    );
    let mut cmd = w.command(
        &w.path(&wt("r-a")),
        "git",
        &["realm", "commit", "-a", "-m", "feat: f"],
    );
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the hook never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The repos are committed at once: r-a's commit finishes while r-b's hook hangs.
    while w.rev(&wt("r-a"), "HEAD") == a0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "r-a was never committed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let group = format!("-{}", child.id());
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &group])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();

    let git_dir = w
        .git(&wt("r-b"), &["rev-parse", "--absolute-git-dir"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let lock = std::path::Path::new(&git_dir).join("index.lock");
    assert!(lock.exists(), "kill -9 left {}", lock.display());
    let a1 = w.rev(&wt("r-a"), "HEAD");
    assert_ne!(a1, a0, "r-a was committed before the kill");

    // The re-run names the lock file, its age and how to clear it.
    w.write_exe("r-b/.git/hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    let out = w.realm(&wt("r-a"), &["commit", "-a", "-m", "feat: f"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains(&lock.display().to_string()),
        "names the lock: {}",
        out.stderr
    );
    assert!(out.stderr.contains("ago"), "its age: {}", out.stderr);
    assert!(
        out.stderr.contains("rm '"),
        "how to clear it: {}",
        out.stderr
    );
    assert!(lock.exists(), "never removed by git-realm");

    // Cleared as it says, the same command finishes the round: r-a is linked,
    // not committed again.
    std::fs::remove_file(&lock).unwrap();
    let done = w
        .realm(&wt("r-a"), &["commit", "-a", "-m", "feat: f", "--json"])
        .ok()
        .json();
    assert_eq!(w.rev(&wt("r-a"), "HEAD"), a1);
    assert_eq!(done["repos"][0]["outcome"], "already-committed", "{done}");
    assert_eq!(done["repos"][1]["outcome"], "committed", "{done}");
    assert_eq!(done["linked"].as_array().unwrap().len(), 2, "{done}");
}

/// aperture provides `d/c`, fungal (on GitHub) imports it; aperture has a new
/// value to publish, so its next sync notifies fungal.
fn notifying(w: &World) -> GhDouble {
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = GhDouble::new(&w.path("github"));
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();
    w.member("fungal");
    w.realm(
        "fungal",
        &[
            "join",
            &realm,
            "--url",
            "https://github.com/acme/fungal.git",
        ],
    )
    .ok();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    let export = |value: &str| {
        w.realm(
            "aperture",
            &["export", "c", "--domain", "d", "--value", value],
        )
        .ok();
        // Sources are read from the committed `.realm/exports.yaml`.
        w.git("aperture", &["commit", "-q", "-m", "export c"]).ok();
    };
    export(r#"["a"]"#);
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
    export(r#"["a","b"]"#);
    gh
}

fn issue_creates(gh: &GhDouble) -> usize {
    gh.calls()
        .iter()
        .filter(|c| c[..2] == ["issue", "create"])
        .count()
}

#[test]
fn a_sync_that_dies_between_opening_an_issue_and_recording_it_never_opens_a_second() {
    let w = World::new();
    let gh = notifying(&w);
    // The realm takes the new version and the claim, then refuses the record
    // of the url: the sync ends between `gh issue create` and recording it.
    w.write_exe(
        "letemcook.git/hooks/pre-receive",
        "#!/bin/sh
while read old new ref; do
  if git log -1 --format=%s \"$new\" | grep -q 'record notifications'; then
    echo 'down for maintenance' >&2; exit 1
  fi
done
",
    );
    let out = w.realm_env("aperture", &["sync"], &gh.env()).code(3);
    assert!(
        out.stderr.contains("down for maintenance"),
        "{}",
        out.stderr
    );
    assert_eq!(issue_creates(&gh), 1);
    let issue = &gh.repo("acme/fungal")["issues"][0];
    assert!(
        issue["body"].as_str().unwrap().contains(
            "<!-- git-realm:notify realm=letemcook contract=d/c version=1.1.0 repo=fungal -->"
        ),
        "{issue}"
    );

    // The re-run finds the issue by its marker and records it.
    std::fs::remove_file(w.path("letemcook.git/hooks/pre-receive")).unwrap();
    let out = w.realm_env("aperture", &["sync"], &gh.env()).ok();
    assert!(out.stdout.contains("already opened"), "{}", out.stdout);
    assert_eq!(issue_creates(&gh), 1, "never a second issue");
    let searched = gh
        .calls()
        .into_iter()
        .find(|c| c[..2] == ["issue", "list"])
        .expect("looked up by the marker");
    assert!(
        searched
            .iter()
            .any(|a| a.contains("git-realm:notify") && a.ends_with("in:body")),
        "{searched:?}"
    );
    let contract = w
        .git(
            "letemcook.git",
            &["show", "main:domains/d/contracts/c.yaml"],
        )
        .ok()
        .stdout;
    assert!(
        contract.contains("url: https://github.com/acme/fungal/issues/1"),
        "{contract}"
    );
    assert!(!contract.contains("claimed_by"), "{contract}");
    w.realm_env("aperture", &["sync"], &gh.env()).ok();
    assert_eq!(issue_creates(&gh), 1);
}

#[test]
fn two_syncs_at_once_open_one_issue() {
    let w = World::new();
    let gh = notifying(&w);
    let children: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = w.command(&w.path("aperture"), "git", &["realm", "sync"]);
            cmd.envs(gh.env())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(issue_creates(&gh), 1);
    w.realm_env("aperture", &["sync"], &gh.env()).ok();
    assert_eq!(issue_creates(&gh), 1);
}

/// A `git` that speaks German under `LC_ALL=de_DE.UTF-8`, first on the test's
/// PATH (the world's `bin/`): the one on PATH if it translates, else the
/// distribution's. Fails loudly when the machine has no German locale or no
/// translating git: `.ci/run` installs the locale.
fn german_git(w: &World) -> Vec<(String, String)> {
    let env = vec![
        ("LANG".to_owned(), "de_DE.UTF-8".to_owned()),
        ("LC_ALL".to_owned(), "de_DE.UTF-8".to_owned()),
        ("LANGUAGE".to_owned(), "de".to_owned()),
    ];
    let speaks_german = |git: &std::path::Path| {
        let out = std::process::Command::new(git)
            .args(["rev-parse", "--git-dir"])
            .current_dir("/")
            .env_clear()
            .envs(env.iter().cloned())
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("Kein Git-Repository"))
    };
    let candidates = [
        which::which("git").ok(),
        Some(std::path::PathBuf::from("/usr/bin/git")),
    ];
    let git = candidates
        .into_iter()
        .flatten()
        .find(|g| speaks_german(g))
        .unwrap_or_else(|| {
            panic!(
                "no git here speaks German under LC_ALL=de_DE.UTF-8: the locale is not \
                 generated (`.ci/run` does it: locales, de_DE.UTF-8 in /etc/locale.gen, \
                 locale-gen) or git was built without translations"
            )
        });
    std::os::unix::fs::symlink(&git, w.path("bin/git")).unwrap();
    env
}

#[test]
fn in_a_german_locale_joining_something_that_is_not_a_realm_is_bad_input() {
    let w = World::new();
    let german = german_git(&w);
    w.member("aperture");
    // An empty repository: no main branch at all.
    w.git(".", &["init", "-q", "--bare", "empty.git"]).ok();
    let empty = w.path("empty.git").display().to_string();
    let out = w.realm_env("aperture", &["join", &empty], &german);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("not a realm"), "{}", out.stderr);
    // A repository with a main branch that holds no realm.
    w.member("fungal");
    let plain = w.path("remotes/fungal.git").display().to_string();
    let out = w.realm_env("aperture", &["join", &plain], &german);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    // And a realm still works in German.
    let realm = w.bare_realm("letemcook");
    w.realm_env("aperture", &["join", &realm], &german).ok();
    let out = w
        .realm_env("aperture", &["status", "--fetch"], &german)
        .ok();
    assert!(
        out.stdout.contains("Registered as aperture"),
        "{}",
        out.stdout
    );
}

/// Exit 4 says git or gh failed; a branch the user removed is theirs to make
/// again (exit 2), and git was never run for it.
#[test]
fn push_of_a_missing_branch_is_a_usage_error_not_a_git_failure() {
    let w = World::new();
    change(&w, &["r-a", "r-b"]);
    w.git("r-a", &["worktree", "remove", ".worktrees/c"]).ok();
    w.git("r-a", &["branch", "-D", "feat/c"]).ok();
    let out = w.realm("r-b", &["push", "--change", "c"]).code(2);
    assert!(
        out.stdout.contains("has no branch feat/c"),
        "{}",
        out.stdout
    );
    let json = w.realm("r-b", &["push", "--change", "c", "--json"]).code(2);
    assert_eq!(
        json.json()["repos"][0]["branch"],
        "failed",
        "{}",
        json.stdout
    );
    // The other repo's push went through either way.
    assert_eq!(
        json.json()["repos"][1]["branch"],
        "pushed",
        "{}",
        json.stdout
    );
}

#[test]
fn push_quiet_still_says_why_a_push_failed() {
    let w = World::new();
    change(&w, &["r-a"]);
    stage(&w, "r-a", "f.txt");
    w.realm(&wt("r-a"), &["commit", "-m", "feat: f"]).ok();
    w.write_exe(
        "remotes/r-a.git/hooks/pre-receive",
        "#!/bin/sh\necho 'branch names must start with JIRA-' >&2\nexit 1\n",
    );
    let out = w.realm(&wt("r-a"), &["push", "-q"]).code(4);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(!out.stderr.contains("see above"), "{}", out.stderr);
    assert!(
        out.stderr.contains("branch names must start with JIRA-"),
        "{}",
        out.stderr
    );
}

/// Another git process holding `packed-refs.lock` for a moment (a `git commit` in
/// a worktree of the same repository does) while a command deletes the scratch
/// ref its fetch wrote: the command waits for it, as git does, and does not fail.
/// gix, given the lock after waiting, fails to delete a loose ref when there is no
/// `packed-refs` file; `commit` fetched twice and `status --fetch` exited 4.
#[test]
fn a_packed_refs_lock_held_for_a_moment_is_waited_for() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    assert!(!w.path("app/.git/packed-refs").exists());
    let lock = w.path("app/.git/packed-refs.lock");
    for args in [
        &["status", "--fetch"][..],
        &["sync"],
        &["verify", "--fetch"],
    ] {
        std::fs::write(&lock, "").unwrap();
        let held = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(300));
                std::fs::remove_file(&lock).unwrap();
            })
        };
        let run = w.realm("app", args);
        held.join().unwrap();
        run.ok();
        let scratch = w.git("app", &["for-each-ref", "refs/realm-incoming"]).ok();
        assert_eq!(scratch.stdout, "", "{args:?} left its scratch ref");
    }
}

/// A lock on the member's local copy of the realm, as a command killed with -9
/// while moving it leaves: a write that lands says so (the local copy catches up
/// on the next fetch), and a fetch that cannot move the copy names the file, its
/// age and how to clear it, and is not called fresh.
#[test]
fn a_lock_left_on_the_local_copy_is_named_and_a_landed_write_is_not_a_failure() {
    let w = World::new();
    let realm = provider(&w);
    let lock = left_lock(&w, "aperture/.git/refs/realm/letemcook/main.lock");

    let out = w
        .realm(
            "aperture",
            &["domain", "create", "e", "--repos", "aperture"],
        )
        .ok();
    assert!(
        w.realm_files(&realm)
            .contains(&"domains/e/domain.yaml".to_owned()),
        "the write landed"
    );
    assert!(
        out.stderr.contains("the local copy was not")
            && out.stderr.contains(&lock.display().to_string()),
        "{}",
        out.stderr
    );

    let out = w.realm("aperture", &["verify", "--fetch"]).code(3);
    assert_names_lock(&out.stderr, &lock);
    let status = w.realm("aperture", &["status", "--fetch"]);
    assert!(
        !status.stdout.contains("just now"),
        "not fetched: {}{}",
        status.stdout,
        status.stderr
    );
    assert!(lock.exists(), "a lock is never removed by git-realm");

    std::fs::remove_file(&lock).unwrap();
    w.realm("aperture", &["status", "--fetch"]).ok();
    let list = w.realm("aperture", &["domain", "list"]).ok();
    assert!(list.stdout.contains('e'), "{}", list.stdout);
}

/// A clean filter the working tree names but this machine lacks (`git lfs`
/// not installed, say) stops git from staging the uncommitted files: `check`
/// still checks the committed code, and says what it left out.
#[test]
fn a_clean_filter_that_is_not_installed_leaves_check_to_committed_code() {
    let w = World::new();
    provider(&w);
    for (k, v) in [
        ("filter.missing.clean", "no-such-filter-program %f"),
        ("filter.missing.required", "true"),
    ] {
        w.git("aperture", &["config", k, v]).ok();
    }
    w.write("aperture", ".gitattributes", "*.bin filter=missing\n");
    w.write("aperture", "data.bin", "x");
    let out = w.realm("aperture", &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("only committed code is checked") && out.stderr.contains("data.bin"),
        "{}",
        out.stderr
    );
}

/// A fetch killed between fetching and cleaning up leaves its scratch ref
/// (`refs/realm-incoming/<pid>`), which keeps what it fetched alive: the next
/// fetch deletes those of processes that are gone, and never one of a process
/// at work.
#[test]
fn scratch_refs_of_killed_fetches_are_deleted_by_the_next_fetch() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    let tip = w.rev("app", "refs/realm/r/main");
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();
    let alive_pid = std::process::id();
    for pid in [gone_pid, alive_pid] {
        let name = format!("refs/realm-incoming/{pid}");
        w.git("app", &["update-ref", &name, &tip]).ok();
    }
    w.realm("app", &["status", "--fetch"]).ok();
    let left = w
        .git(
            "app",
            &["for-each-ref", "--format=%(refname)", "refs/realm-incoming"],
        )
        .ok()
        .stdout;
    assert_eq!(left.trim(), format!("refs/realm-incoming/{alive_pid}"));
}

/// An export whose `.realm/exports.yaml` is written but not staged (killed in
/// between, or unstaged by hand) is staged by running it again: the file being
/// right in the working tree is not enough, the commit must carry it.
#[test]
fn an_export_run_again_stages_what_it_wrote() {
    let w = World::new();
    provider(&w);
    let export = ["export", "c", "--domain", "d", "--value", r#"["a","b"]"#];
    w.realm("aperture", &export).ok();
    let staged = || {
        w.git("aperture", &["diff", "--cached", "--name-only"])
            .ok()
            .stdout
    };
    assert_eq!(staged().trim(), ".realm/exports.yaml");
    w.git("aperture", &["reset", "-q", "--", ".realm/exports.yaml"])
        .ok();
    assert_eq!(staged().trim(), "");
    let out = w.realm("aperture", &export).ok();
    assert_eq!(staged().trim(), ".realm/exports.yaml", "{}", out.stdout);
    assert!(out.stdout.contains("(staged)"), "{}", out.stdout);
}

/// A clone behind the commit a contract was published from (a teammate's
/// older clone; a slow sync overtaken by a newer one) does not publish its
/// older value as a new version undoing what it lacks: the export is not
/// published, and pulling first lets the sync go on.
#[test]
fn a_clone_behind_the_published_commit_does_not_roll_the_contract_back() {
    let w = World::new();
    let realm = provider(&w);
    w.git("aperture", &["push", "-q", "origin", "HEAD"]).ok();
    w.git(".", &["clone", "-q", "remotes/aperture.git", "behind"])
        .ok();
    w.realm("behind", &["join", &realm, "--as", "aperture"])
        .ok();
    // aperture moves on and publishes 1.1.0.
    w.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a","b"]"#],
    )
    .ok();
    w.git("aperture", &["commit", "-q", "-m", "b too"]).ok();
    w.git("aperture", &["push", "-q", "origin", "HEAD"]).ok();
    w.realm("aperture", &["sync", "--no-notify"]).ok();
    let contract = || {
        w.git(
            "letemcook.git",
            &["show", "main:domains/d/contracts/c.yaml"],
        )
        .ok()
        .stdout
    };
    assert!(contract().contains("version: 1.1.0"), "{}", contract());

    let out = w.realm("behind", &["sync", "--no-notify"]).code(1);
    assert!(
        out.stdout.contains("this checkout is behind it"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(contract().contains("version: 1.1.0"), "{}", contract());
    w.git("behind", &["pull", "-q", "--ff-only"]).ok();
    w.realm("behind", &["sync", "--no-notify"]).ok();
    assert!(contract().contains("version: 1.1.0"), "{}", contract());
}

/// A repository whose default branch git-realm cannot tell (no origin/HEAD, no
/// main or master, several branches) publishes from no branch without
/// --from-branch: it published a major version from a feature branch.
#[test]
fn an_unknown_default_branch_is_no_branch_to_publish_from() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.git(".", &["init", "-q", "--bare", "-b", "trunk", "a.git"])
        .ok();
    w.git(".", &["init", "-q", "-b", "trunk", "a"]).ok();
    let origin = w.path("a.git").display().to_string();
    w.git("a", &["remote", "add", "origin", &origin]).ok();
    w.write("a", "c.json", r#"{"k":1}"#);
    w.git("a", &["add", "c.json"]).ok();
    w.git("a", &["commit", "-q", "-m", "i"]).ok();
    w.git("a", &["push", "-q", "-u", "origin", "trunk"]).ok();
    w.realm("a", &["join", &realm]).ok();
    w.realm("a", &["domain", "create", "d", "--repos", "a"])
        .ok();
    // One branch: it is the default.
    w.realm("a", &["export", "c", "--domain", "d", "--file", "c.json"])
        .ok();
    w.git("a", &["commit", "-q", "-m", "export"]).ok();
    w.git("a", &["push", "-q"]).ok();
    w.git("a", &["switch", "-q", "-c", "feature"]).ok();
    w.write("a", "c.json", r#"{"k":2}"#);
    w.git("a", &["commit", "-q", "-am", "wip"]).ok();
    let out = w.realm("a", &["sync"]).ok();
    assert!(
        out.stdout.contains("not published from branch feature")
            && out.stdout.contains("set-head origin --auto"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let contract = w
        .git("r.git", &["show", "main:domains/d/contracts/c.yaml"])
        .ok()
        .stdout;
    assert!(contract.contains("version: 1.0.0"), "{contract}");
    // Once git knows it, trunk publishes.
    w.git("a", &["remote", "set-head", "origin", "--auto"]).ok();
    w.git("a", &["switch", "-q", "trunk"]).ok();
    w.git("a", &["merge", "-q", "--ff-only", "feature"]).ok();
    w.realm("a", &["sync", "--no-notify"]).ok();
}

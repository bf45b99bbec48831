//! Behaving like git: `git -c` configuration, options before the subcommand,
//! plain output without UTF-8, one JSON shape, the full commit interface.

mod common;
mod support;

use common::World;

/// A world whose global config has no identity: only `git -c` provides one.
fn anonymous_world() -> World {
    let w = World::new();
    std::fs::write(
        w.path("home/gitconfig"),
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
    )
    .unwrap();
    w
}

#[test]
fn identity_given_only_with_git_dash_c_is_used() {
    let w = anonymous_world();
    let id = ["-c", "user.name=Ci Bot", "-c", "user.email=ci@example.com"];

    // Without it, realm commits are refused: no identity.
    w.git(
        ".",
        &["realm", "init", "plain.git", "--bare", "--name", "plain"],
    )
    .code(2);

    let mut init = id.to_vec();
    init.extend(["realm", "init", "r.git", "--bare", "--name", "r"]);
    w.git(".", &init).ok();
    let author = w
        .git("r.git", &["log", "-1", "--format=%an <%ae>", "main"])
        .ok();
    assert_eq!(author.stdout.trim(), "Ci Bot <ci@example.com>");

    // A member repository, committed with the same -c identity.
    w.git(".", &["init", "-q", "--bare", "remotes/app.git"])
        .ok();
    w.git(".", &["clone", "-q", "remotes/app.git", "app"]).ok();
    let realm = w.path("r.git").display().to_string();
    let mut join = id.to_vec();
    join.extend(["realm", "join", realm.as_str()]);
    w.git("app", &join).ok();
    let log = w.git("r.git", &["log", "--format=%s|%ae", "main"]).ok();
    assert_eq!(
        log.stdout.lines().collect::<Vec<_>>(),
        [
            "app: join realm|ci@example.com",
            "r: create realm|ci@example.com"
        ]
    );
    let maintainers = w.git("r.git", &["show", "main:repos/app.yaml"]).ok();
    assert!(
        maintainers.stdout.contains("- ci@example.com"),
        "{}",
        maintainers.stdout
    );
}

#[test]
fn colour_follows_git_dash_c_and_color_realm() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    let esc = '\u{1b}';

    // The repository asks for colour even in a pipe.
    w.git("app", &["config", "color.ui", "always"]).ok();
    let coloured = w.realm("app", &["status"]).ok();
    assert!(coloured.stdout.contains(esc), "{}", coloured.stdout);

    // `git -c color.ui=never` wins over the repository's config.
    let plain = w
        .git("app", &["-c", "color.ui=never", "realm", "status"])
        .ok();
    assert!(!plain.stdout.contains(esc), "{}", plain.stdout);
    assert_eq!(
        plain.stdout,
        coloured
            .stdout
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[33m", "")
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[2m", "")
            .replace("\u{1b}[39m", "")
            .replace("\u{1b}[0m", "")
            .replace("\u{1b}[22m", "")
    );

    // color.realm takes precedence over color.ui, from a file or from -c.
    w.git("app", &["config", "color.realm", "never"]).ok();
    let realm_never = w.realm("app", &["status"]).ok();
    assert!(!realm_never.stdout.contains(esc), "{}", realm_never.stdout);
    let realm_always = w
        .git("app", &["-c", "color.realm=always", "realm", "status"])
        .ok();
    assert!(realm_always.stdout.contains(esc), "{}", realm_always.stdout);

    // A value git would not accept is an error naming the key, as in git.
    let bad = w
        .git("app", &["-c", "color.realm=sometimes", "realm", "status"])
        .code(2);
    assert!(
        bad.stderr.contains("'sometimes' for 'color.realm'"),
        "{}",
        bad.stderr
    );
}

#[test]
fn options_before_the_subcommand_reach_it() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();

    let quiet = w.realm("app", &["-q", "status"]).ok();
    assert_eq!(quiet.stdout, "", "{}", quiet.stdout);
    let json = w.realm("app", &["--realm", "r", "--json", "status"]).ok();
    assert_eq!(json.json()["realms"][0]["realm"], "r");
    let other = w.realm("app", &["--realm=nope", "status"]);
    assert_ne!(other.code, 0, "{other:?}");
    assert!(other.stderr.contains("nope"), "{}", other.stderr);
    // Options of a nested subcommand still go after it.
    w.realm("app", &["-q", "worktree", "list"]).ok();

    let bad = w.realm("app", &["--bogus", "status"]).code(2);
    assert!(
        bad.stderr.contains("unknown option '--bogus'"),
        "{}",
        bad.stderr
    );
}

#[test]
fn import_requirement_is_requires_and_dash_v_is_the_version_everywhere() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    for args in [
        &["import", "-V"][..],
        &["import", "--version"],
        &["status", "-V"],
    ] {
        let out = w.realm("app", args).ok();
        assert!(
            out.stdout.starts_with("git-realm"),
            "{args:?}: {}",
            out.stdout
        );
    }
    let old = w
        .realm(
            "app",
            &[
                "import",
                "c",
                "--domain",
                "d",
                "--version",
                "^1",
                "--binding",
                "README.md",
            ],
        )
        .code(2);
    assert!(
        old.stderr.contains("--version was renamed: use --requires"),
        "{}",
        old.stderr
    );
}

#[test]
fn an_export_whose_sources_match_nothing_warns() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.member("web");
    w.realm("app", &["join", &realm]).ok();
    w.realm("web", &["join", &realm]).ok();
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    let out = w
        .realm(
            "app",
            &[
                "export",
                "paths",
                "--domain",
                "d",
                "--extract",
                "src/**/*.py=s3://([^\"]+)",
            ],
        )
        .ok();
    assert!(
        out.stdout
            .contains("paths: the value is empty (its sources match nothing yet)"),
        "{}",
        out.stdout
    );
}

/// app provides contract `c` in domain `d` as a literal; web (on "GitHub") imports
/// it with a `--verify` pattern over `grants.txt`.
fn provider_and_consumer(w: &World, gh: &support::GhDouble) {
    let realm = w.bare_realm("r");
    w.member("app");
    w.member("web");
    w.realm("app", &["join", &realm]).ok();
    w.realm(
        "web",
        &["join", &realm, "--url", "https://github.com/acme/web.git"],
    )
    .ok();
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    w.realm(
        "app",
        &["export", "c", "--domain", "d", "--value", r#"["a","b"]"#],
    )
    .ok();
    w.write("web", "grants.txt", "\"a\"\n\"b\"\n");
    w.git("web", &["add", "."]).ok();
    w.git("web", &["commit", "-q", "-m", "grants"]).ok();
    w.realm_env(
        "web",
        &[
            "import",
            "c",
            "--domain",
            "d",
            "--requires",
            "^1",
            "--binding",
            "grants.txt",
            "--verify",
            r#""([^"]+)""#,
        ],
        &gh.env(),
    )
    .ok();
}

#[test]
fn stale_imports_show_in_short_status_and_missing_items_are_named() {
    let w = World::new();
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = support::GhDouble::new(&w.path("github"));
    provider_and_consumer(&w, &gh);
    w.realm(
        "app",
        &[
            "export",
            "c",
            "--domain",
            "d",
            "--value",
            r#"["a","b","c"]"#,
        ],
    )
    .ok();
    w.git("app", &["commit", "-q", "-m", "export c"]).ok();

    // The notification fails: the sync says so and never ends on a ✓.
    let failing = || {
        let mut env = gh.env();
        env.push(("GH_DOUBLE_FAIL".into(), "issue create".into()));
        w.realm_env("app", &["sync"], &env).code(4)
    };
    let out = failing();
    assert!(out.stdout.contains("c: 1.0.0 → 1.1.0"), "{}", out.stdout);
    assert!(!out.stdout.contains("✓ Realm"), "{}", out.stdout);
    assert!(
        out.stdout.contains("⚠ Realm synced (commit"),
        "{}",
        out.stdout
    );
    let again = failing();
    assert!(!again.stdout.contains("✓"), "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains("⚠ Realm unchanged, but 1 notification(s) or proposal(s) could not be sent"),
        "{}",
        again.stdout
    );

    w.realm("web", &["status", "--fetch"]).ok();
    let short = w.realm("web", &["status", "--short"]).ok();
    assert!(short.stdout.contains("1 import stale"), "{}", short.stdout);
    w.realm("web", &["status", "--short", "--exit-code"])
        .code(1);

    let check = w.realm("web", &["check", "--json"]).code(1);
    let import = &check.json()["realms"][0]["imports"][0];
    assert_eq!(import["state"], "stale");
    assert_eq!(import["missing"], serde_json::json!(["c"]));
    let text = w.realm("web", &["check"]).code(1);
    assert!(
        text.stdout.contains("grants.txt does not provide: c"),
        "{}",
        text.stdout
    );

    let sync = w.realm_env("web", &["sync", "--json"], &gh.env()).ok();
    let unresolved = &sync.json()["realms"][0]["unresolved"][0];
    assert_eq!(unresolved["missing"], serde_json::json!(["c"]));
    let sync = w.realm_env("web", &["sync"], &gh.env()).ok();
    assert!(sync.stdout.contains("(missing: c)"), "{}", sync.stdout);
}

/// A realm with app and web, and a change `ch` with a worktree in each.
fn change_world() -> World {
    let w = World::new();
    let realm = w.bare_realm("r");
    for name in ["app", "web"] {
        w.member(name);
        w.realm(name, &["join", &realm]).ok();
    }
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    w.realm("app", &["worktree", "ch", "--domain", "d"]).ok();
    w
}

/// Common options before a nested subcommand reach it (`git realm --json worktree
/// list`, `git realm -q worktree finish ch`), and a finished change's removed
/// worktrees are not offered to be made again.
#[test]
fn options_before_a_nested_subcommand_reach_it() {
    let w = change_world();
    for args in [
        &["--json", "worktree", "list"][..],
        &["worktree", "--json", "list"],
        &["-q", "--realm", "r", "--json", "worktree", "list"],
    ] {
        let list = w.realm("web", args).ok().json();
        assert_eq!(list["changes"][0]["id"], "ch", "{args:?}: {list}");
    }
    let finish = w
        .realm("web", &["-q", "worktree", "finish", "ch", "--abandon"])
        .ok();
    assert_eq!(finish.stdout, "", "{}", finish.stdout);
    assert!(!w.path("web/.worktrees/ch").exists());
    let list = w.realm("web", &["worktree", "list"]).ok().stdout;
    assert!(list.contains("ch (feat/ch, abandoned)"), "{list}");
    assert!(list.contains("(removed)"), "{list}");
    assert!(!list.contains("git realm worktree ch"), "{list}");
}

/// `worktree finish` run from inside the change's own worktree works from the
/// main checkout: every worktree goes, the change is closed, and the user is
/// told where to `cd` (it removed the worktrees, then failed with the change
/// still open).
#[test]
fn worktree_finish_from_inside_the_changes_worktree_closes_it() {
    let w = change_world();
    let out = w
        .realm(
            "web/.worktrees/ch",
            &["worktree", "finish", "ch", "--abandon"],
        )
        .ok();
    for repo in ["app", "web"] {
        assert!(!w.path(&format!("{repo}/.worktrees/ch")).exists());
    }
    assert!(
        out.stdout.contains("Change 'ch' abandoned"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("cd {}", w.path("web").display())),
        "{}",
        out.stdout
    );
    let list = w.realm("web", &["worktree", "list"]).ok().stdout;
    assert!(list.contains("ch (feat/ch, abandoned)"), "{list}");
}

/// A `commit` with nothing to commit starts no round: a plain `git commit` made
/// afterwards with the same message is the user's own, never adopted into the
/// next round as if that round had made it.
#[test]
fn a_commit_with_nothing_to_commit_leaves_no_round_behind() {
    let w = change_world();
    w.realm("app/.worktrees/ch", &["commit", "-m", "feat: x"])
        .code(2);
    w.write("web/.worktrees/ch", "own.txt", "mine\n");
    w.git("web/.worktrees/ch", &["add", "own.txt"]).ok();
    w.git("web/.worktrees/ch", &["commit", "-q", "-m", "feat: x"])
        .ok();
    w.write("app/.worktrees/ch", "a.txt", "a\n");
    w.git("app/.worktrees/ch", &["add", "a.txt"]).ok();
    let out = w
        .realm("app/.worktrees/ch", &["commit", "-m", "feat: x"])
        .ok();
    assert!(
        !out.stdout.contains("Already committed by this round"),
        "{}",
        out.stdout
    );
    let notes = w
        .git(
            "web/.worktrees/ch",
            &["notes", "--ref", "realm", "list", "HEAD"],
        )
        .code;
    assert_ne!(notes, 0, "web's own commit was linked into the round");
}

/// `pr` in a change none of whose repositories is on GitHub opens nothing, and
/// says so instead of "PRs are linked. Merge order: " with an empty order.
#[test]
fn pr_without_a_forge_says_there_is_no_pull_request() {
    let w = change_world();
    let out = w.realm("app/.worktrees/ch", &["pr", "--no-push"]);
    assert!(
        out.stdout.contains("No pull request") && !out.stdout.contains("PRs are linked"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

fn touch_both(w: &World, file: &str) {
    for name in ["app", "web"] {
        let dir = format!("{name}/.worktrees/ch");
        w.write(&dir, file, "x\n");
        w.git(&dir, &["add", file]).ok();
    }
}

fn last_message(w: &World, repo: &str) -> String {
    w.git(
        &format!("{repo}/.worktrees/ch"),
        &["log", "-1", "--format=%B"],
    )
    .ok()
    .stdout
    .trim_end()
    .to_owned()
}

#[test]
fn commit_takes_git_commits_interface() {
    let w = change_world();
    let wt = "app/.worktrees/ch";

    // No -m: the editor opens once, and its message goes to every repo.
    touch_both(&w, "one.txt");
    w.write_exe(
        "bin/editor",
        "#!/bin/sh\necho opened >> \"$(dirname \"$0\")/editor.log\"\nprintf 'Edited subject\\n\\nbody line\\n# a comment\\n' > \"$1\"\n",
    );
    let editor = w.path("bin/editor").display().to_string();
    w.realm_env(wt, &["commit"], &[("GIT_EDITOR".into(), editor.clone())])
        .ok();
    assert_eq!(last_message(&w, "app"), "Edited subject\n\nbody line");
    assert_eq!(last_message(&w, "web"), "Edited subject\n\nbody line");
    let opened = std::fs::read_to_string(w.path("bin/editor.log")).unwrap();
    assert_eq!(opened.lines().count(), 1, "one editor for all repos");

    // An editor that leaves only comments aborts, committing nothing.
    touch_both(&w, "two.txt");
    w.write_exe("bin/blank", "#!/bin/sh\necho '# nothing' > \"$1\"\n");
    let blank = w.path("bin/blank").display().to_string();
    let out = w
        .realm_env(wt, &["commit"], &[("GIT_EDITOR".into(), blank)])
        .code(2);
    assert!(
        out.stderr.contains("the message is empty"),
        "{}",
        out.stderr
    );
    assert_eq!(last_message(&w, "web"), "Edited subject\n\nbody line");

    // -F FILE, with -s (signoff).
    w.write(".", "msg.txt", "From a file\n");
    let msg = w.path("msg.txt").display().to_string();
    w.realm(wt, &["commit", "-F", &msg, "-s"]).ok();
    assert_eq!(
        last_message(&w, "web"),
        "From a file\n\nSigned-off-by: Test User <test@example.com>"
    );

    // --amend replaces the tip of each repo (it is a commit of the change).
    let before = w.rev("web/.worktrees/ch", "HEAD");
    w.realm(wt, &["commit", "--amend", "-m", "Amended"]).ok();
    assert_eq!(last_message(&w, "app"), "Amended");
    assert_eq!(last_message(&w, "web"), "Amended");
    assert_eq!(
        w.rev("web/.worktrees/ch", "HEAD~1"),
        w.rev("web/.worktrees/ch", &format!("{before}~1")),
        "replaced, not added"
    );

    // --no-verify skips a failing pre-commit hook.
    let hooks = w.path("web/.git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    w.write_exe(
        "web/.git/hooks/pre-commit",
        "#!/bin/sh\necho 'hook says no' >&2\nexit 1\n",
    );
    touch_both(&w, "three.txt");
    w.realm(wt, &["commit", "-m", "Blocked"]).code(4);
    w.realm(wt, &["commit", "-m", "Blocked", "--no-verify"])
        .ok();
    assert_eq!(last_message(&w, "web"), "Blocked");
    std::fs::remove_file(hooks.join("pre-commit")).unwrap();

    // -S[KEYID] signs through git's gpg.program.
    w.write_exe(
        "bin/fake-gpg",
        "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/gpg.log\"\ncat > /dev/null\necho '[GNUPG:] SIG_CREATED D 1 8 00 0 0 0' >&2\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nfake\\n-----END PGP SIGNATURE-----\\n'\n",
    );
    let gpg = w.path("bin/fake-gpg").display().to_string();
    for name in ["app", "web"] {
        w.git(name, &["config", "gpg.program", &gpg]).ok();
    }
    touch_both(&w, "four.txt");
    w.realm(wt, &["commit", "-m", "Signed", "-SABCD1234"]).ok();
    let raw = w
        .git("web/.worktrees/ch", &["cat-file", "commit", "HEAD"])
        .ok();
    assert!(
        raw.stdout.contains("gpgsig -----BEGIN PGP SIGNATURE-----"),
        "{}",
        raw.stdout
    );
    let log = std::fs::read_to_string(w.path("bin/gpg.log")).unwrap();
    assert!(log.contains("ABCD1234"), "{log}");
}

/// The message is cleaned up as `git commit` cleans it up: the editor's comments
/// use `core.commentChar`, so a line starting with `#` is the user's own; `-F`
/// keeps the file's lines as `git commit -F` does; `commit.cleanup=scissors`
/// drops what is below the scissors line.
#[test]
fn commit_messages_are_cleaned_up_as_git_cleans_them_up() {
    let w = change_world();
    let wt = "app/.worktrees/ch";
    for repo in ["app", "web"] {
        w.git(repo, &["config", "core.commentChar", ";"]).ok();
    }
    // The editor keeps git's help lines (the comment string its template used)
    // and adds a line of its own that starts with '#'.
    w.write_exe(
        "bin/editor",
        "#!/bin/sh\ncp \"$1\" \"$(dirname \"$0\")/template\"\nprintf 'Fix the parser\\n\\n#123 was the issue\\n' | cat - \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    );
    let editor = w.path("bin/editor").display().to_string();
    touch_both(&w, "one.txt");
    w.realm_env(wt, &["commit"], &[("GIT_EDITOR".into(), editor)])
        .ok();
    let template = std::fs::read_to_string(w.path("bin/template")).unwrap();
    assert!(
        template.contains("; The commit message for change 'ch'")
            && template.contains("Lines starting with ';' will be ignored"),
        "{template}"
    );
    assert_eq!(
        last_message(&w, "web"),
        "Fix the parser\n\n#123 was the issue"
    );

    // -F: the file is the message, '#' lines and all (git commit -F keeps them).
    touch_both(&w, "two.txt");
    w.write(".", "msg.txt", "From a file\n\n# not a comment here\n");
    let msg = w.path("msg.txt").display().to_string();
    w.realm(wt, &["commit", "-F", &msg]).ok();
    assert_eq!(
        last_message(&w, "app"),
        "From a file\n\n# not a comment here"
    );

    // scissors: everything below the line goes.
    w.git("app", &["config", "commit.cleanup", "scissors"]).ok();
    w.write_exe(
        "bin/scissors",
        "#!/bin/sh\n{ printf 'Cut here\\n\\n; kept: scissors keeps comments\\n'; cat \"$1\"; printf 'diff below\\n'; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    );
    let scissors = w.path("bin/scissors").display().to_string();
    touch_both(&w, "three.txt");
    w.realm_env(wt, &["commit"], &[("GIT_EDITOR".into(), scissors)])
        .ok();
    assert_eq!(
        last_message(&w, "app"),
        "Cut here\n\n; kept: scissors keeps comments"
    );
}

#[test]
fn every_json_output_is_one_object() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.member("web");
    w.realm("app", &["join", &realm]).ok();
    w.realm("web", &["join", &realm]).ok();
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    let list = w.realm("app", &["domain", "list", "--json"]).ok().json();
    assert_eq!(list["domains"][0]["name"], "d");
    for args in [
        &["status", "--json"][..],
        &["check", "--json"],
        &["graph", "--json"],
        &["list", "--json"],
        &["worktree", "list", "--json"],
        &["watch", "--once", "--json"],
        &["domain", "show", "d", "--json"],
        &["leave", "--dry-run", "--json"],
    ] {
        let out = w.realm("web", args);
        assert!(out.json().is_object(), "{args:?}: {}", out.stdout);
    }
    // -q prints no text for humans, graph's included; data asked for (a format
    // for another program, like --json) is still printed.
    for args in [&["-q", "graph"][..], &["-q", "status"]] {
        let out = w.realm("web", args).ok();
        assert_eq!(out.stdout, "", "{args:?}");
    }
    let dot = w.realm("web", &["-q", "graph", "--format", "dot"]).ok();
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);
    // A command line that cannot run is one JSON document too (exit 2).
    for args in [
        &["status", "--json", "--bogus"][..],
        &["--json", "--bogus", "status"],
        &["--json", "worktree", "list", "--bogus"],
    ] {
        let out = w.realm("web", args).code(2);
        let report = out.json();
        assert_eq!(report["error"]["exit"], 2, "{args:?}: {}", out.stdout);
        assert!(
            report["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("--bogus")),
            "{args:?}: {report}"
        );
    }
    let unknown = w.realm("web", &["statsu", "--json"]).code(2).json();
    assert_eq!(
        unknown["error"]["message"], "'statsu' is not a git-realm command",
        "{unknown}"
    );
    let leave = w.realm("web", &["leave", "--json"]).ok().json();
    assert_eq!(leave["realms"][0]["repo"], "web");
}

#[test]
fn without_a_utf8_locale_the_markers_are_plain() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    let c = [("LANG".to_owned(), "C".to_owned())];
    let out = w.realm_env("app", &["join", &realm], &c).ok();
    assert!(
        out.stdout.contains("+ Registered app in realm 'r'"),
        "{}",
        out.stdout
    );
    let status = w.realm_env("app", &["status"], &c).ok();
    assert!(status.stdout.is_ascii(), "{}", status.stdout);
    // LC_ALL decides before LANG.
    let utf8 = [
        ("LANG".to_owned(), "C".to_owned()),
        ("LC_ALL".to_owned(), "en_US.UTF-8".to_owned()),
    ];
    let status = w.realm_env("app", &["status"], &utf8).ok();
    assert!(
        status.stdout.contains("✓ Registered as app"),
        "{}",
        status.stdout
    );
}

/// `realm.branchPrefix`, `realm.worktreeDir` and `realm.notify` from git's
/// configuration: the global file of the test HOME, and `git -c`.
#[test]
fn preferences_come_from_git_config() {
    let w = World::new();
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = support::GhDouble::new(&w.path("github"));
    provider_and_consumer(&w, &gh);
    w.git(".", &["config", "--global", "realm.branchPrefix", "topic/"])
        .ok();
    w.git(".", &["config", "--global", "realm.worktreeDir", "wt"])
        .ok();

    w.realm("app", &["worktree", "ch", "--domain", "d"]).ok();
    for name in ["app", "web"] {
        let dir = format!("{name}/wt/ch");
        assert_eq!(
            w.git(&dir, &["symbolic-ref", "--short", "HEAD"])
                .ok()
                .stdout
                .trim(),
            "topic/ch"
        );
        let exclude = std::fs::read_to_string(w.path(name).join(".git/info/exclude")).unwrap();
        assert!(exclude.lines().any(|l| l == "wt/"), "{exclude}");
        assert!(!w.path(name).join(".worktrees").exists());
    }
    // Commands find the change from its worktree there.
    w.write("app/wt/ch", "x.txt", "x\n");
    w.git("app/wt/ch", &["add", "x.txt"]).ok();
    w.realm("app/wt/ch", &["commit", "-m", "x", "--repos", "app"])
        .ok();
    let list = w.realm("app", &["worktree", "list"]).ok();
    assert!(list.stdout.contains("wt/ch"), "{}", list.stdout);

    // `git -c` wins over the global file, and a bad value is named.
    let mut cmd = w.command(
        &w.path("app"),
        "git",
        &[
            "-c",
            "realm.branchPrefix=fix/",
            "realm",
            "worktree",
            "ch2",
            "--domain",
            "d",
        ],
    );
    cmd.envs(gh.env());
    assert_eq!(w.run_cmd(cmd).code, 0);
    assert_eq!(
        w.git("app/wt/ch2", &["symbolic-ref", "--short", "HEAD"])
            .ok()
            .stdout
            .trim(),
        "fix/ch2"
    );
    let bad = w.run_cmd(w.command(
        &w.path("app"),
        "git",
        &[
            "-c",
            "realm.worktreeDir=../out",
            "realm",
            "worktree",
            "ch3",
            "--domain",
            "d",
        ],
    ));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("realm.worktreeDir"), "{}", bad.stderr);
    assert!(!w.path("out").exists());

    // realm.notify false: sync publishes but leaves the notification pending;
    // --notify sends it.
    w.git("app", &["config", "realm.notify", "false"]).ok();
    w.realm(
        "app",
        &[
            "export",
            "c",
            "--domain",
            "d",
            "--value",
            r#"["a","b","c"]"#,
        ],
    )
    .ok();
    w.git("app", &["commit", "-q", "-m", "export c"]).ok();
    let issues = || {
        gh.calls()
            .iter()
            .filter(|c| c[0] == "issue" && c[1] == "create")
            .count()
    };
    let out = w.realm_env("app", &["sync"], &gh.env()).ok();
    assert!(out.stdout.contains("c: 1.0.0 → 1.1.0"), "{}", out.stdout);
    assert_eq!(issues(), 0, "{}", out.stdout);
    let bad = w.run_cmd(w.command(
        &w.path("app"),
        "git",
        &["-c", "realm.notify=maybe", "realm", "sync"],
    ));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("realm.notify"), "{}", bad.stderr);
    w.realm_env("app", &["sync", "--notify"], &gh.env()).ok();
    assert_eq!(issues(), 1);
}

/// Every command that writes has `-n/--dry-run`: it names what it would write,
/// and the realm, the files and the remotes stay as they were.
#[test]
fn dry_runs_name_what_would_happen_and_write_nothing() {
    let w = World::new();
    let realm = w.bare_realm("r");
    for name in ["app", "web", "extra"] {
        w.member(name);
        w.realm(name, &["join", &realm]).ok();
    }
    let log = || w.realm_log("r.git");
    let unchanged = |args: &[&str], dir: &str, expect: &str| {
        let before = log();
        let out = w.realm(dir, args).ok();
        assert!(out.stdout.contains(expect), "{args:?}:\n{}", out.stdout);
        assert_eq!(log(), before, "{args:?} wrote to the realm");
        out
    };

    let out = unchanged(
        &["domain", "create", "d", "--repos", "app,web", "-n"],
        "app",
        "write  domains/d/domain.yaml",
    );
    assert!(
        out.stdout.contains("Dry run: nothing was written"),
        "{}",
        out.stdout
    );
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    unchanged(
        &["domain", "add", "d", "extra", "--dry-run"],
        "app",
        "Dry run",
    );
    let json = w
        .realm("app", &["domain", "add", "d", "extra", "-n", "--json"])
        .ok()
        .json();
    assert_eq!(json["dry_run"], true);
    assert!(json["preview"]["writes"][0].is_string(), "{json}");

    unchanged(
        &["maintainer", "add", "ana@example.com", "-n"],
        "app",
        "(as it would leave them)",
    );
    w.realm("app", &["maintainer", "add", "ana@example.com"])
        .ok();
    let out = unchanged(
        &["maintainer", "remove", "ana@example.com", "-n"],
        "app",
        "Dry run",
    );
    assert!(!out.stdout.contains("  ana@example.com"), "{}", out.stdout);

    unchanged(
        &["export", "c", "--domain", "d", "--value", r#"["a"]"#, "-n"],
        "app",
        ".realm/exports.yaml",
    );
    assert!(!w.path("app/.realm/exports.yaml").exists());
    w.realm(
        "app",
        &["export", "c", "--domain", "d", "--value", r#"["a"]"#],
    )
    .ok();
    w.git("app", &["commit", "-q", "-m", "export c"]).ok();

    w.write("web", "grants.txt", "a\n");
    w.git("web", &["add", "."]).ok();
    w.git("web", &["commit", "-q", "-m", "grants"]).ok();
    let import = [
        "import",
        "c",
        "--domain",
        "d",
        "--requires",
        "^1",
        "--binding",
        "grants.txt",
    ];
    let mut dry = import.to_vec();
    dry.push("-n");
    unchanged(&dry, "web", "write  domains/d/bindings/web.yaml");
    w.realm("web", &import).ok();

    // A new version makes web's import stale; resolve -n leaves it so, and no note.
    w.realm(
        "app",
        &["export", "c", "--domain", "d", "--value", r#"["a","b"]"#],
    )
    .ok();
    w.git("app", &["commit", "-q", "-m", "export b"]).ok();
    w.realm("app", &["sync", "--no-notify"]).ok();
    w.realm("web", &["status", "--fetch"]).ok();
    let notes = || w.rev("web", "refs/notes/realm");
    let before = notes();
    unchanged(
        &["resolve", "d/c", "-n"],
        "web",
        "would be resolved at 1.1.0",
    );
    assert_eq!(notes(), before, "resolve -n added a note");

    // push -n: the branch stays off origin.
    w.realm("app", &["worktree", "ch", "--domain", "d"]).ok();
    let out = unchanged(
        &["push", "-n"],
        "app/.worktrees/ch",
        "would push feat/ch to origin",
    );
    assert!(out.stdout.contains("web: would push"), "{}", out.stdout);
    assert_eq!(w.rev("remotes/app.git", "feat/ch"), "");
}

/// Everything a dry run could touch in the world: every file (but git's object
/// databases and index files, which reads may refresh) with its content, and
/// every ref of the repositories in it.
fn fingerprint(w: &World) -> Vec<String> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "objects" {
                continue;
            }
            if p.is_dir() {
                out.push(format!("{rel}/"));
                walk(&p, root, out);
            } else if !(name == "index" && rel.contains(".git")) {
                let content = std::fs::read(&p).unwrap_or_default();
                out.push(format!("{rel} {}", String::from_utf8_lossy(&content)));
            }
        }
    }
    let mut out = Vec::new();
    walk(w.root.path(), w.root.path(), &mut out);
    out.retain(|l| !l.contains("refs/realm-incoming/"));
    out.sort();
    out
}

/// `-n` on init, join, worktree, worktree remove and commit: each says what it
/// would do, and no file, ref, note, config or realm commit changes.
#[test]
fn dry_runs_of_init_join_worktree_and_commit_change_nothing() {
    let w = World::new();
    w.member("app");
    w.member("web");
    let unchanged = |dir: &str, args: &[&str], expect: &[&str]| {
        let before = fingerprint(&w);
        let env = [("GIT_EDITOR".to_owned(), "false".to_owned())];
        let out = w.realm_env(dir, args, &env).ok();
        for e in expect {
            assert!(
                out.stdout.contains(e),
                "{args:?}: no {e:?} in\n{}",
                out.stdout
            );
        }
        assert_eq!(fingerprint(&w), before, "{args:?} changed something");
        out
    };

    // init: the realm it would create, and no directory, hook or index.
    unchanged(
        ".",
        &["init", "r.git", "--name", "r", "--github", "--hooks", "-n"],
        &[
            "Would create realm 'r' in a new bare repository",
            "trust owners, admission open",
            "write  realm.yaml",
            "name: r",
            "test@example.com",
            "write  .github/CODEOWNERS",
            "hooks/pre-receive",
            "index.yaml",
        ],
    );
    assert!(!w.path("r.git").exists());
    let json = w
        .realm(
            ".",
            &["init", "r.git", "--name", "r", "--dry-run", "--json"],
        )
        .ok()
        .json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["create_repository"], true);
    assert!(!w.path("r.git").exists());
    // An empty repository already there is used as it is.
    w.git(".", &["init", "-q", "--bare", "empty.git"]).ok();
    unchanged(
        ".",
        &["init", "empty.git", "--name", "e", "-n"],
        &["Would create realm 'e' in the empty repository"],
    );
    let realm = w.bare_realm("r");

    // An approval realm: join -n says it would propose, and pushes no branch.
    let gated = w.path("gated.git").display().to_string();
    w.realm(
        ".",
        &[
            "init",
            "gated.git",
            "--name",
            "gated",
            "--admission",
            "approval",
        ],
    )
    .ok();
    unchanged(
        "web",
        &["join", &gated, "--dry-run"],
        &[
            "write  repos/web.yaml",
            "proposal branch join/web",
            "realm.gated.member = web",
        ],
    );
    // A realm on GitHub: the proposal would also become a pull request.
    w.git(
        ".",
        &[
            "config",
            "--global",
            &format!("url.{gated}.insteadOf"),
            "https://github.com/acme/gated.git",
        ],
    )
    .ok();
    unchanged(
        "web",
        &["join", "https://github.com/acme/gated.git", "-n"],
        &["a pull request from join/web to main of acme/gated would be opened"],
    );

    // join: fetched and previewed; no ref (not even a scratch one), no config.
    unchanged(
        "app",
        &["join", &realm, "-n"],
        &[
            "Dry run: nothing was written",
            "write  repos/app.yaml",
            "realm.r.url = ",
            "realm.r.member = app",
            "index",
        ],
    );
    assert_eq!(w.realm_log("r.git").len(), 1);
    let refs = w.git("app", &["for-each-ref"]).ok().stdout;
    assert!(!refs.contains("refs/realm"), "{refs}");
    for name in ["app", "web"] {
        w.realm(name, &["join", &realm]).ok();
    }
    unchanged(
        "app",
        &["join", &realm, "-n"],
        &["app is already registered"],
    );
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();

    // worktree: the change it would record and the worktrees it would make.
    let out = unchanged(
        "app",
        &["worktree", "ch", "-n"],
        &[
            "write  changes/ch.yaml",
            "branch 'feat/ch' from HEAD",
            "app/.worktrees/ch",
            "web/.worktrees/ch",
        ],
    );
    assert!(out.stdout.contains("# this repo"), "{}", out.stdout);
    assert!(!w.path("app/.worktrees").exists());
    w.realm("app", &["worktree", "ch"]).ok();

    // commit: what each repo would commit; no commit, note, hook or record.
    w.write_exe(
        "app/.git/hooks/pre-commit",
        "#!/bin/sh\ntouch \"$GIT_DIR/../hook-ran\"\nexit 1\n",
    );
    w.write("app/.worktrees/ch", "new.txt", "new\n");
    w.git("app/.worktrees/ch", &["add", "new.txt"]).ok();
    w.write("web/.worktrees/ch", "README.md", "# web, edited\n");
    let realm_log = w.realm_log("r.git");
    unchanged(
        "app/.worktrees/ch",
        &["commit", "-n", "-m", "feat: x"],
        &["app: commit new.txt", "web: nothing to commit", "feat: x"],
    );
    unchanged(
        "app/.worktrees/ch",
        &["commit", "-a", "--dry-run"],
        &["web: commit README.md", "the editor"],
    );
    let json = w
        .realm(
            "app/.worktrees/ch",
            &["commit", "-n", "-a", "-m", "x", "--json"],
        )
        .ok()
        .json();
    assert_eq!(json["repos"][1]["files"][0], "README.md", "{json}");
    assert_eq!(w.realm_log("r.git"), realm_log);

    // worktree remove: what it would remove, and the work in the way.
    unchanged(
        "app",
        &["worktree", "remove", "ch", "-n"],
        &[
            "would remove",
            "app/.worktrees/ch",
            "uncommitted changes",
            "none of them",
        ],
    );
    assert!(w.path("app/.worktrees/ch/new.txt").exists());
    assert!(w.path("web/.worktrees/ch").exists());
}

/// As git's stdio does, stdout goes out in blocks when it is not a terminal (one
/// `write` for many lines), yet in order: all of it, and before whatever comes
/// on stderr after it.
#[test]
fn stdout_in_blocks_keeps_every_line_and_its_order_with_stderr() {
    let w = World::new();
    let realm = w.bare_realm("acme");
    for r in ["aperture", "fungal"] {
        w.member(r);
        w.realm(r, &["join", &realm]).ok();
    }
    // 300 imports: some 25 KB of `check` lines, more than one block.
    let names: Vec<String> = (0..300)
        .map(|i| format!("a-contract-with-a-rather-long-name-{i:03}"))
        .collect();
    let mut files = vec![(
        "domains/h/domain.yaml".to_owned(),
        "name: h\nmembers: [aperture, fungal]\ncreated_at: 2026-01-24T10:00:00Z\n".to_owned(),
    )];
    let mut imports = String::new();
    // Versions alternate in runs, so that a line showing the previous line's
    // version (its display is reused while it is the same) is caught.
    let version = |i: usize| ["1.0.0", "1.2.0", "1.10.3"][i / 2 % 3];
    for (i, c) in names.iter().enumerate() {
        let v = version(i);
        files.push((
            format!("domains/h/contracts/{c}.yaml"),
            format!("name: {c}\nowner: aperture\nversion: {v}\nvalue: [x]\n"),
        ));
        imports.push_str(&format!(
            "- contract: {c}\n  version: ^1\n  binding: README.md\n  resolved_version: {v}\n"
        ));
    }
    files.push((
        "domains/h/bindings/fungal.yaml".to_owned(),
        format!("repo: fungal\nexports: []\nimports:\n{imports}"),
    ));
    w.edit_realm("acme.git", &files);
    w.realm("fungal", &["status", "--fetch", "-q"]).ok();

    // stdout and stderr into one file, as `> log 2>&1` does.
    let log = w.path("log");
    let file = std::fs::File::create(&log).unwrap();
    let mut cmd = w.command(&w.path("fungal"), "git", &["realm", "check", "-v"]);
    cmd.stdout(file.try_clone().unwrap()).stderr(file);
    let run = w.run_cmd(cmd);
    assert_eq!(run.code, 0, "{}", std::fs::read_to_string(&log).unwrap());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let checked: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let line = format!("h/{c}@{}: import current (README.md)", version(i));
            lines
                .iter()
                .position(|l| l.ends_with(&line))
                .unwrap_or_else(|| panic!("no line for {c} in:\n{text}"))
        })
        .collect();
    assert!(checked.is_sorted(), "lines out of order:\n{text}");
    // `-v`'s last word comes on stderr after the command printed everything.
    let last = lines.last().copied().unwrap_or_default();
    assert!(last.ends_with(" realm objects read"), "{text}");
    assert!(checked.iter().all(|at| *at < lines.len() - 1));
}

/// Realm commits are signed when the user's git signs every commit; when that
/// signing fails, the hint says it is their `commit.gpgSign` (not a `trust:
/// signed` realm) and how to write one commit unsigned.
#[test]
fn a_failing_signature_the_user_asked_for_is_named_as_theirs() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    w.git("app", &["config", "commit.gpgSign", "true"]).ok();
    w.git("app", &["config", "gpg.program", "false"]).ok();
    let out = w
        .realm("app", &["domain", "create", "d", "--repos", "app"])
        .code(4);
    assert!(
        out.stderr.contains("commit.gpgSign") && !out.stderr.contains("trust: signed"),
        "{}",
        out.stderr
    );
    w.git(
        "app",
        &[
            "-c",
            "commit.gpgSign=false",
            "realm",
            "domain",
            "create",
            "d",
            "--repos",
            "app",
        ],
    )
    .ok();
}

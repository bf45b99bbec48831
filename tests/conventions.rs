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

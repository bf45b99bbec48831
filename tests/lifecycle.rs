//! Taking things apart: removing imports, exports and domains, leaving
//! explicitly, and finishing changes (by hand, and when every PR is merged).

mod common;
mod support;

use common::World;
use support::GhDouble;

/// app exports `c` in domain `d`; web imports it. Both "on GitHub".
fn world() -> (World, GhDouble) {
    let w = World::new();
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = GhDouble::new(&w.path("github"));
    let realm = w.bare_realm("r");
    for name in ["app", "web"] {
        w.member(name);
        let url = format!("https://github.com/acme/{name}.git");
        w.realm(name, &["join", &realm, "--url", &url]).ok();
    }
    w.realm("app", &["domain", "create", "d", "--repos", "app,web"])
        .ok();
    w.realm(
        "app",
        &["export", "c", "--domain", "d", "--value", r#"["x"]"#],
    )
    .ok();
    w.realm(
        "web",
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
    (w, gh)
}

#[test]
fn exports_imports_and_domains_are_removed_only_when_nobody_depends_on_them() {
    let (w, _gh) = world();
    let files = || w.realm_files("r.git");

    // The export is refused while web imports it; a dry run writes nothing.
    let refused = w
        .realm("app", &["remove", "export", "c", "--domain", "d"])
        .code(3);
    assert!(
        refused.stderr.contains("hint: web imports it (^1)"),
        "{}",
        refused.stderr
    );
    let before = w.rev("r.git", "main");
    let dry = w
        .realm("web", &["remove", "import", "c", "--domain", "d", "-n"])
        .ok();
    assert!(
        dry.stdout.contains("web: remove import d/c"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("remove domains/d/bindings/web.yaml"),
        "{}",
        dry.stdout
    );
    assert_eq!(w.rev("r.git", "main"), before, "a dry run writes nothing");

    // web stops importing; then app may stop exporting.
    w.realm("web", &["remove", "import", "c", "--domain", "d"])
        .ok();
    assert!(!files().contains(&"domains/d/bindings/web.yaml".to_owned()));
    w.realm("web", &["remove", "import", "c", "--domain", "d"])
        .code(2);
    let out = w
        .realm("app", &["remove", "export", "c", "--domain", "d", "--json"])
        .ok();
    assert_eq!(out.json()["removed"], "the export of d/c");
    assert!(!files().contains(&"domains/d/contracts/c.yaml".to_owned()));

    // The domain is empty now, so it goes without --force.
    w.realm("app", &["domain", "create", "e", "--repos", "app,web"])
        .ok();
    w.realm("app", &["export", "k", "--domain", "e", "--value", "1"])
        .ok();
    let refused = w.realm("app", &["remove", "domain", "e"]).code(3);
    assert!(
        refused.stderr.contains("contracts: k"),
        "{}",
        refused.stderr
    );
    w.realm("app", &["remove", "domain", "d"]).ok();
    w.realm("app", &["remove", "domain", "e", "--force"]).ok();
    assert_eq!(files(), ["realm.yaml", "repos/app.yaml", "repos/web.yaml"]);
    let log = w.realm_log("r.git");
    assert_eq!(log[0], "app: remove domain e");
    assert_eq!(log[1], "app: remove domain d");
}

#[test]
fn leave_says_what_it_removes() {
    let (w, _gh) = world();
    w.realm("app", &["worktree", "ch", "--domain", "d"]).ok();
    let dry = w.realm("web", &["leave", "--dry-run", "--json"]).ok();
    let report = &dry.json()["realms"][0];
    assert_eq!(report["removed"]["imports"], serde_json::json!(["d/c"]));
    assert_eq!(report["removed"]["domains"], serde_json::json!(["d"]));
    assert_eq!(report["open_changes"], serde_json::json!(["ch"]));
    assert!(
        w.realm_files("r.git")
            .contains(&"repos/web.yaml".to_owned())
    );

    let out = w.realm("web", &["leave"]).ok();
    assert!(
        out.stdout.contains("Removed the import of d/c"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "change 'ch' is open and names web; finish it with `git realm worktree finish ch`"
        ),
        "{}",
        out.stdout
    );

    // A leave killed after the realm write and before the membership is
    // forgotten (what it forgets last): running it again finishes it.
    let url = w.path("r.git").display().to_string();
    w.git("web", &["config", "realm.r.url", &url]).ok();
    w.git("web", &["config", "realm.r.member", "web"]).ok();
    w.realm("web", &["leave"]).ok();
    w.git("web", &["config", "--get-regexp", "^realm\\."])
        .code(1);
    assert!(
        !w.realm_files("r.git")
            .contains(&"repos/web.yaml".to_owned())
    );
}

#[test]
fn a_finished_change_is_closed_its_worktrees_and_merged_branches_gone() {
    let (w, gh) = world();
    w.realm("app", &["worktree", "ch", "--domain", "d"]).ok();
    assert!(
        w.realm("app", &["status"])
            .ok()
            .stdout
            .contains("Change 'ch'")
    );

    // Abandoned by hand, without commits: worktrees and (merged) branches go.
    let out = w
        .realm("app", &["worktree", "finish", "ch", "--abandon"])
        .ok();
    assert!(
        out.stdout.contains("Change 'ch' abandoned"),
        "{}",
        out.stdout
    );
    assert!(!w.path("app/.worktrees/ch").exists());
    assert_eq!(
        w.rev("web", "refs/heads/feat/ch"),
        "",
        "merged branch deleted"
    );
    let change = w
        .git("r.git", &["show", "main:changes/ch.yaml"])
        .ok()
        .stdout;
    assert!(change.contains("status: abandoned"), "{change}");
    assert!(
        !w.realm("app", &["status"])
            .ok()
            .stdout
            .contains("Change 'ch'")
    );

    // A change whose PRs are all merged closes itself when `pr status` sees it.
    w.realm("app", &["worktree", "ch2", "--domain", "d"]).ok();
    for name in ["app", "web"] {
        let dir = format!("{name}/.worktrees/ch2");
        w.write(&dir, "f.txt", "f\n");
        w.git(&dir, &["add", "f.txt"]).ok();
    }
    let env = gh.env();
    w.realm_env("app/.worktrees/ch2", &["commit", "-m", "work"], &env)
        .ok();
    w.realm_env("app/.worktrees/ch2", &["push"], &env).ok();
    w.realm_env("app/.worktrees/ch2", &["pr"], &env).ok();
    gh.merge("acme/app", 1);
    gh.merge("acme/web", 1);
    let out = w
        .realm_env("app/.worktrees/ch2", &["pr", "status"], &env)
        .ok();
    assert!(
        out.stdout.contains("change 'ch2' is closed"),
        "{}",
        out.stdout
    );
    let change = w
        .git("r.git", &["show", "main:changes/ch2.yaml"])
        .ok()
        .stdout;
    assert!(change.contains("status: merged"), "{change}");

    // finish then removes the worktrees, and the branches git agrees are merged
    // (here: into their upstream, so nothing is lost).
    let out = w.realm("web", &["worktree", "finish", "ch2"]).ok();
    assert!(
        out.stdout.contains("web: deleted branch feat/ch2"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("was already closed as merged"),
        "{}",
        out.stdout
    );
    assert!(!w.path("web/.worktrees/ch2").exists());
}

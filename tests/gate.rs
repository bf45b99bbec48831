//! The pull-request gate in CI: workflow files `git realm ci init` writes, and
//! `check --format github` annotations and step summary.

mod common;

use common::World;

/// aperture provides d/paths from paths.json (committed); fungal imports it.
fn story(w: &World) -> String {
    let realm = w.bare_realm("letemcook");
    for repo in ["aperture", "fungal"] {
        w.member(repo);
        w.realm(repo, &["join", &realm]).ok();
    }
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    w.write("aperture", "paths.json", r#"["a"]"#);
    w.git("aperture", &["add", "paths.json"]).ok();
    w.git("aperture", &["commit", "-qm", "paths"]).ok();
    w.realm(
        "aperture",
        &["export", "paths", "--domain", "d", "--file", "paths.json"],
    )
    .ok();
    w.write("fungal", "policy.txt", "a\n");
    w.git("fungal", &["add", "policy.txt"]).ok();
    w.git("fungal", &["commit", "-qm", "policy"]).ok();
    w.realm(
        "fungal",
        &[
            "import",
            "paths",
            "--domain",
            "d",
            "--requires",
            "^1",
            "--binding",
            "policy.txt",
        ],
    )
    .ok();
    realm
}

#[test]
fn ci_init_writes_a_workflow_that_parses_and_never_overwrites_silently() {
    let w = World::new();
    story(&w);
    let dry = w
        .realm("fungal", &["ci", "init", "--github", "--dry-run"])
        .ok();
    assert!(
        dry.stdout.contains("git realm check --fetch --against"),
        "{}",
        dry.stdout
    );
    let path = w.path("fungal/.github/workflows/git-realm-letemcook.yml");
    assert!(!path.exists(), "a dry run writes nothing");

    w.realm("fungal", &["ci", "init", "--github", "--sync-on-merge"])
        .ok();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_json::Value = serde_yaml_ng(&text);
    let steps = doc["jobs"]["gate"]["steps"].as_array().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.starts_with("git realm join ") && r.contains("--as fungal")),
        "{runs:?}"
    );
    assert!(
        runs.iter().any(|r| r.contains("--format github")),
        "{runs:?}"
    );
    assert!(doc["jobs"]["sync"].is_object());

    let again = w.realm("fungal", &["ci", "init", "--github"]).code(3);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    w.realm("fungal", &["ci", "init", "--github", "--force"])
        .ok();

    w.realm("fungal", &["ci", "init", "--gitlab"]).ok();
    let gitlab = std::fs::read_to_string(w.path("fungal/.gitlab/git-realm-letemcook.yml")).unwrap();
    let doc = serde_yaml_ng(&gitlab);
    assert!(
        doc["git-realm-gate-letemcook"]["script"].is_array(),
        "{gitlab}"
    );
}

/// Parse YAML into JSON values, failing the test when it is not YAML.
fn serde_yaml_ng(text: &str) -> serde_json::Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

#[test]
fn check_format_github_annotates_files_and_writes_the_step_summary() {
    let w = World::new();
    story(&w);
    // A compatible change on the provider's branch: a notice, exit 1 (unpublished).
    w.write("aperture", "paths.json", r#"["a", "b"]"#);
    w.git("aperture", &["commit", "-qam", "add b"]).ok();
    let summary = w.path("summary.md");
    let env = vec![(
        "GITHUB_STEP_SUMMARY".to_owned(),
        summary.display().to_string(),
    )];
    let out = w.realm_env(
        "aperture",
        &["check", "--fetch", "--format", "github"],
        &env,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("::notice file=paths.json,title=d/paths::1.0.0 → 1.1.0 (minor)"),
        "{}",
        out.stdout
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| d/paths | export | 1.1.0 (minor) on merge |"),
        "{md}"
    );

    // Removing what fungal's requirement relies on: an error naming fungal.
    w.write("aperture", "paths.json", r#"["b"]"#);
    w.git("aperture", &["commit", "-qam", "drop a"]).ok();
    let out = w.realm_env(
        "aperture",
        &["check", "--fetch", "--format", "github"],
        &env,
    );
    assert!(
        out.stdout.contains(
            "::error file=paths.json,title=d/paths::1.0.0 → 2.0.0 (major) breaks fungal (^1)"
        ),
        "{}",
        out.stdout
    );

    // The consumer sees the breaking version on its binding file: a warning while
    // the realm's grace period (14 days by default) runs, an error after it.
    w.realm("aperture", &["sync", "--force", "--no-notify"])
        .ok();
    let out = w.realm("fungal", &["check", "--fetch", "--format", "github"]);
    assert!(
        out.stdout
            .contains("::warning file=policy.txt,title=d/paths::grace until 2026-02-07: "),
        "{}",
        out.stdout
    );
    let late = vec![(
        "GIT_COMMITTER_DATE".to_owned(),
        "2026-03-01 10:00:00 +0000".to_owned(),
    )];
    let out = w.realm_env("fungal", &["check", "--format", "github"], &late);
    assert!(
        out.stdout
            .contains("::error file=policy.txt,title=d/paths::broken: "),
        "{}",
        out.stdout
    );
}

/// A CI checkout: shallow, detached, no branch, no local realm copy, no git
/// identity. The workflow's own commands (join read-only, then check) work there.
#[test]
fn the_gate_runs_in_a_shallow_detached_ci_clone_without_identity() {
    let w = World::new();
    let realm = story(&w);
    let origin = format!("file://{}", w.path("remotes/fungal.git").display());
    w.git(".", &["clone", "-q", "--depth", "1", &origin, "ci"])
        .ok();
    w.git("ci", &["checkout", "-q", "--detach"]).ok();
    std::fs::write(w.path("home/gitconfig"), "").unwrap();
    let registered = w.path("remotes/fungal.git").display().to_string();
    let tip = || {
        w.git(".", &["--git-dir", &realm, "rev-parse", "main"])
            .ok()
            .stdout
    };
    let before = tip();
    w.realm(
        "ci",
        &["join", &realm, "--as", "fungal", "--url", &registered],
    )
    .ok();
    let out = w
        .realm("ci", &["check", "--fetch", "--format", "github"])
        .ok();
    assert!(
        out.stdout.contains("All contracts current"),
        "{}",
        out.stdout
    );
    assert_eq!(before, tip(), "the gate never writes to the realm");
    assert_eq!(before.trim().len(), 40);
}

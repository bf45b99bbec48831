//! The pull-request gate in CI: workflow files `git realm ci init` writes, and
//! `check --format github` annotations and step summary.

mod common;
mod support;

use common::{Run, World};
use support::GhDouble;

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
    // The merge's sync publishes as a maintainer (members refuse anyone else).
    let sync_steps = doc["jobs"]["sync"]["steps"].as_array().unwrap();
    let sync = sync_steps
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.ends_with("realm sync")))
        .expect("a sync step");
    assert!(
        sync["run"]
            .as_str()
            .unwrap()
            .contains(r#"user.email="$REALM_USER_EMAIL""#),
        "{sync}"
    );
    assert_eq!(
        sync["env"]["REALM_USER_EMAIL"],
        "${{ vars.REALM_USER_EMAIL }}"
    );

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

// ---------------------------------------------------------------------------
// The pull-request gate: `check --against`, run as the generated workflows run it
// ---------------------------------------------------------------------------

const REALM: &str = "letemcook";

/// `items` as paths.json holds them: a JSON list, one item per line (the
/// item on line 2 + its index).
fn paths(items: &[&str]) -> String {
    let lines: Vec<String> = items.iter().map(|i| format!("  \"{i}\"")).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// aperture provides d/paths = ["a", "b"] from paths.json; fungal imports it at ^1
/// and uses what its policy.txt names (`--uses-extract`): "a". Both are pushed.
/// With `github`, both are registered under github.com urls, which the test's git
/// config rewrites to their local origins (`url.<path>.insteadOf`), and `gh` is
/// the test double.
fn uses_story(w: &World, github: bool) {
    let realm = w.bare_realm(REALM);
    // A CI runner's git config: no identity.
    std::fs::write(w.path("home/gitconfig.ci"), "").unwrap();
    for repo in ["aperture", "fungal"] {
        w.member(repo);
        if github {
            let url = format!("https://github.com/acme/{repo}.git");
            let rewrite = format!(
                "[url \"{}\"]\n\tinsteadOf = {url}\n",
                w.path(&format!("remotes/{repo}.git")).display()
            );
            for file in ["home/gitconfig", "home/gitconfig.ci"] {
                let mut config = std::fs::read_to_string(w.path(file)).unwrap();
                config.push_str(&rewrite);
                std::fs::write(w.path(file), config).unwrap();
            }
            w.realm(repo, &["join", &realm, "--url", &url]).ok();
        } else {
            w.realm(repo, &["join", &realm]).ok();
        }
    }
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    w.write("aperture", "paths.json", &paths(&["a", "b"]));
    w.git("aperture", &["add", "paths.json"]).ok();
    w.git("aperture", &["commit", "-qm", "paths"]).ok();
    w.realm(
        "aperture",
        &["export", "paths", "--domain", "d", "--file", "paths.json"],
    )
    .ok();
    w.git("aperture", &["commit", "-qm", "export paths"]).ok();
    w.git("aperture", &["push", "-q", "origin", "main"]).ok();
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
            "--uses-extract",
            r"policy.txt=(?m)^(\S+)$",
        ],
    )
    .ok();
    w.git("fungal", &["push", "-q", "origin", "main"]).ok();
}

/// A pull request of `repo`: `branch` from main with `file` holding `content`,
/// pushed to its origin.
fn pull_request(w: &World, repo: &str, branch: &str, file: &str, content: &str) {
    w.git(repo, &["checkout", "-q", "-B", branch, "main"]).ok();
    w.write(repo, file, content);
    w.git(repo, &["commit", "-qam", &format!("{branch}: {file}")])
        .ok();
    w.git(repo, &["push", "-q", "origin", branch]).ok();
    w.git(repo, &["checkout", "-q", "main"]).ok();
}

/// One step of a workflow: its name, its shell command, its environment.
struct Step {
    name: String,
    run: String,
    env: Vec<(String, String)>,
}

/// The gate job's steps of the workflow `ci init --github` writes for `repo`.
fn github_gate_steps(w: &World, repo: &str) -> Vec<Step> {
    w.realm(repo, &["ci", "init", "--github", "--verify", "--force"])
        .ok();
    let text =
        std::fs::read_to_string(w.path(&format!("{repo}/.github/workflows/git-realm-{REALM}.yml")))
            .unwrap();
    let doc = serde_yaml_ng(&text);
    assert_eq!(doc["on"]["pull_request"], serde_json::Value::Null, "{text}");
    doc["jobs"]["gate"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["run"].is_string())
        .map(|s| Step {
            name: s["name"].as_str().unwrap_or_default().to_owned(),
            run: s["run"].as_str().unwrap().to_owned(),
            env: s["env"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// A CI checkout of `branch` of `repo`: `git clone --depth 1`, detached HEAD, no
/// git identity, no realm config.
fn ci_checkout(w: &World, repo: &str, branch: &str) -> String {
    let mut dir = format!("ci-{repo}-{}", branch.replace('/', "-"));
    let mut n = 1;
    while w.path(&dir).exists() {
        n += 1;
        dir = format!("ci-{repo}-{}-{n}", branch.replace('/', "-"));
    }
    let origin = format!(
        "file://{}",
        w.path(&format!("remotes/{repo}.git")).display()
    );
    w.git(
        ".",
        &[
            "clone", "-q", "--depth", "1", "--branch", branch, &origin, &dir,
        ],
    )
    .ok();
    w.git(&dir, &["checkout", "-q", "--detach"]).ok();
    assert_eq!(
        w.git(&dir, &["rev-parse", "--is-shallow-repository"])
            .ok()
            .stdout
            .trim(),
        "true"
    );
    dir
}

/// Run the gate job of `repo`'s GitHub workflow on its pull request from
/// `branch` into main, as Actions would: a fresh CI checkout, each step's command
/// through `sh -c` (except the install: the built binaries are on PATH), with
/// GitHub's variables. The run of the last step (the gate) is returned.
fn github_gate(w: &World, repo: &str, branch: &str, extra: &[(String, String)]) -> Run {
    let steps = github_gate_steps(w, repo);
    let base = w.rev(repo, "main");
    let dir = ci_checkout(w, repo, branch);
    let summary = w.path(&format!("{dir}.summary.md"));
    let mut last = None;
    for step in steps.iter().filter(|s| !s.name.starts_with("Install")) {
        let mut cmd = w.command(&w.path(&dir), "sh", &["-c", &step.run]);
        cmd.env("GIT_CONFIG_GLOBAL", w.path("home/gitconfig.ci"))
            .env("GITHUB_HEAD_REF", branch)
            .env("GITHUB_BASE_REF", "main")
            .env("GITHUB_STEP_SUMMARY", &summary);
        for (k, v) in &step.env {
            let v = if v.contains("github.event.pull_request.base.sha") {
                base.clone()
            } else {
                v.clone()
            };
            cmd.env(k, v);
        }
        cmd.envs(extra.iter().map(|(k, v)| (k, v)));
        let run = w.run_cmd(cmd);
        if !step.name.starts_with("Can this") {
            assert_eq!(
                run.code, 0,
                "step {:?}: {}{}",
                step.name, run.stdout, run.stderr
            );
        }
        last = Some(run);
    }
    last.expect("the workflow has a gate step")
}

#[test]
fn a_provider_pull_request_passes_unless_it_breaks_a_consumer() {
    let w = World::new();
    uses_story(&w, false);
    let realm_tip = || w.rev(&format!("{REALM}.git"), "main");
    let before = realm_tip();

    // Adding an item: a notice at its line, exit 0.
    pull_request(
        &w,
        "aperture",
        "add-c",
        "paths.json",
        &paths(&["a", "b", "c"]),
    );
    let out = github_gate(&w, "aperture", "add-c", &[]).code(0);
    assert!(
        out.stdout.contains(
            "::notice file=paths.json,line=4,title=d/paths::+ c: 1.0.0 → 1.1.0 (minor) on merge; no consumer uses it"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("no consumer breaks"), "{}", out.stdout);
    let md = std::fs::read_to_string(w.path("ci-aperture-add-c.summary.md")).unwrap();
    assert!(md.contains("Merging into"), "{md}");
    assert!(md.contains("✅ No consumer breaks"), "{md}");

    // Removing an item nobody uses: a major version that breaks nobody, exit 0.
    pull_request(&w, "aperture", "drop-b", "paths.json", &paths(&["a"]));
    let out = github_gate(&w, "aperture", "drop-b", &[]).code(0);
    assert!(
        out.stdout.contains(
            "::notice file=paths.json,line=3,title=d/paths::- b (where it was at the base): 1.0.0 → 2.0.0 (major) on merge; no consumer uses it"
        ),
        "{}",
        out.stdout
    );

    // Removing what fungal uses: an error at the line it was on, naming fungal.
    pull_request(&w, "aperture", "drop-a", "paths.json", &paths(&["b"]));
    let out = github_gate(&w, "aperture", "drop-a", &[]).code(1);
    assert!(
        out.stdout.contains(
            "::error file=paths.json,line=2,title=d/paths::- a (where it was at the base): 1.0.0 → 2.0.0 (major) breaks fungal (imports ^1, uses a)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("fungal (imports ^1, uses a): breaks: loses a"),
        "{}",
        out.stdout
    );
    let md = std::fs::read_to_string(w.path("ci-aperture-drop-a.summary.md")).unwrap();
    assert!(md.contains("**breaks**"), "{md}");

    // The same verdict as JSON, in the same checkout.
    let base = w.rev("aperture", "main");
    let json = w
        .realm_env(
            "ci-aperture-drop-a",
            &["check", "--against", &base, "--json"],
            &[(
                "GIT_CONFIG_GLOBAL".into(),
                w.path("home/gitconfig.ci").display().to_string(),
            )],
        )
        .code(1)
        .json();
    let realm = &json["realms"][0];
    assert_eq!(realm["against"]["verdict"], "breaks", "{json}");
    assert_eq!(realm["against"]["commit"], base.as_str());
    let export = &realm["exports"][0];
    assert_eq!(export["next_version"], "2.0.0");
    assert_eq!(export["consumers"][0]["repo"], "fungal");
    assert_eq!(
        export["consumers"][0]["broken_items"],
        serde_json::json!(["a"])
    );
    assert_eq!(export["locations"][0]["file"], "paths.json");
    assert_eq!(export["locations"][0]["at"], "base");

    // GitLab's job runs the same gate with its own variables.
    w.realm("aperture", &["ci", "init", "--gitlab", "--force"])
        .ok();
    let gitlab = serde_yaml_ng(
        &std::fs::read_to_string(w.path(&format!("aperture/.gitlab/git-realm-{REALM}.yml")))
            .unwrap(),
    );
    let script: Vec<String> = gitlab[format!("git-realm-gate-{REALM}")]["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let dir = ci_checkout(&w, "aperture", "drop-a");
    let mut last = None;
    for line in script.iter().skip(1) {
        let mut cmd = w.command(&w.path(&dir), "sh", &["-c", line]);
        cmd.env("GIT_CONFIG_GLOBAL", w.path("home/gitconfig.ci"))
            .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
            .env("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "drop-a");
        last = Some(w.run_cmd(cmd));
    }
    let out = last.unwrap().code(1);
    assert!(out.stdout.contains("which breaks fungal"), "{}", out.stdout);

    // Nothing of this wrote to the realm.
    assert_eq!(before, realm_tip());
}

#[test]
fn the_base_is_fetched_or_named_when_it_cannot_be() {
    let w = World::new();
    uses_story(&w, false);
    pull_request(
        &w,
        "aperture",
        "add-c",
        "paths.json",
        &paths(&["a", "b", "c"]),
    );
    let dir = ci_checkout(&w, "aperture", "add-c");
    let registered = w.path("remotes/aperture.git").display().to_string();
    w.realm(
        &dir,
        &[
            "join",
            &w.path(&format!("{REALM}.git")).display().to_string(),
            "--as",
            "aperture",
            "--url",
            &registered,
        ],
    )
    .ok();
    // An abbreviated id cannot be fetched; a missing one is named; an option is refused.
    let short = &w.rev("aperture", "main")[..10];
    let out = w.realm(&dir, &["check", "--against", short]).code(2);
    assert!(
        out.stderr.contains("not in this shallow clone") && out.stderr.contains("abbreviated"),
        "{}",
        out.stderr
    );
    // A remote branch the shallow clone lacks is fetched from its remote.
    let out = w.realm(&dir, &["check", "--against", "origin/main"]).ok();
    assert!(
        out.stdout.contains("1.0.0 → 1.1.0 (minor)")
            && out.stdout.contains("    + c  (paths.json:4)"),
        "{}",
        out.stdout
    );
    // Now it is here, the abbreviated id names it.
    let out = w.realm(&dir, &["check", "--against", short]).ok();
    assert!(
        out.stdout.contains("    + c  (paths.json:4)"),
        "{}",
        out.stdout
    );
    let out = w
        .realm(&dir, &["check", "--against", &"0".repeat(40)])
        .code(2);
    assert!(out.stderr.contains(&"0".repeat(40)), "{}", out.stderr);
    let out = w
        .realm(&dir, &["check", "--against", "nope/branch"])
        .code(2);
    assert!(out.stderr.contains("--against"), "{}", out.stderr);
    w.realm(&dir, &["check", "--against=-x"]).code(2);
    // A complete clone stays complete.
    w.realm("aperture", &["check", "--against", "main"]).ok();
    assert_eq!(
        w.git("aperture", &["rev-parse", "--is-shallow-repository"])
            .ok()
            .stdout
            .trim(),
        "false"
    );
}

#[test]
fn a_consumer_pull_request_resolving_a_stale_import_is_reported() {
    let w = World::new();
    uses_story(&w, false);
    // aperture publishes 1.1.0 (adds c); fungal's import goes stale.
    w.write("aperture", "paths.json", &paths(&["a", "b", "c"]));
    w.git("aperture", &["commit", "-qam", "add c"]).ok();
    w.git("aperture", &["push", "-q", "origin", "main"]).ok();
    w.realm("aperture", &["sync", "--no-notify"]).ok();
    w.realm("fungal", &["check", "--fetch"]).code(1);
    // fungal's pull request grants c: it passes and says it resolves 1.1.0.
    w.git("fungal", &["checkout", "-q", "-b", "grant-c"]).ok();
    w.write("fungal", "policy.txt", "a\nc\n");
    w.git("fungal", &["commit", "-qam", "grant c"]).ok();
    let out = w
        .realm(
            "fungal",
            &["check", "--against", "main", "--format", "github"],
        )
        .code(0);
    assert!(
        out.stdout
            .contains("::notice file=policy.txt,title=d/paths::this change resolves 1.1.0"),
        "{}",
        out.stdout
    );
    let json = w
        .realm("fungal", &["check", "--against", "main", "--json"])
        .ok()
        .json();
    assert_eq!(
        json["realms"][0]["imports"][0]["resolves"], "1.1.0",
        "{json}"
    );
    assert_eq!(json["realms"][0]["imports"][0]["state"], "stale");
    // Using an item no version provides fails: exit 1, naming the provider.
    w.write("fungal", "policy.txt", "a\nz\n");
    w.git("fungal", &["commit", "-qam", "use z"]).ok();
    let out = w.realm("fungal", &["check", "--against", "main"]).code(1);
    assert!(
        out.stdout
            .contains("aperture's 1.1.0 does not provide what this repository uses: z"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_breaking_change_is_refused_where_the_realm_requires_approval() {
    let w = World::new();
    w.realm(
        ".",
        &[
            "init",
            "gov.git",
            "--name",
            "gov",
            "--require-approval",
            "--approver",
            "lead@example.com",
        ],
    )
    .ok();
    let realm = w.path("gov.git").display().to_string();
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    w.write("aperture", "paths.json", &paths(&["a", "b"]));
    w.git("aperture", &["add", "paths.json"]).ok();
    w.git("aperture", &["commit", "-qm", "paths"]).ok();
    w.realm(
        "aperture",
        &["export", "paths", "--domain", "d", "--file", "paths.json"],
    )
    .ok();
    w.git("aperture", &["commit", "-qm", "export"]).ok();
    w.git("aperture", &["checkout", "-q", "-b", "drop-b"]).ok();
    w.write("aperture", "paths.json", &paths(&["a"]));
    w.git("aperture", &["commit", "-qam", "drop b"]).ok();
    let out = w
        .realm(
            "aperture",
            &["check", "--against", "main", "--format", "github"],
        )
        .code(3);
    assert!(
        out.stdout.contains("::error file=paths.json,title=d/paths::realm 'gov' requires approval for breaking changes"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("lead@example.com"), "{}", out.stdout);
    // A compatible change is not the policy's business.
    w.write("aperture", "paths.json", &paths(&["a", "b", "c"]));
    w.git("aperture", &["commit", "-qam", "add c"]).ok();
    w.realm("aperture", &["check", "--against", "main"]).ok();
}

#[test]
fn a_consumer_pull_request_passes_with_its_providers_change_and_fails_alone() {
    let w = World::new();
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = GhDouble::new(&w.path("github"));
    uses_story(&w, true);
    let realm = |dir: &str, args: &[&str]| w.realm_env(dir, args, &gh.env());

    // One change across both: aperture adds c, fungal starts using it.
    realm("aperture", &["worktree", "add-c"]).ok();
    let (a_wt, f_wt) = ("aperture/.worktrees/add-c", "fungal/.worktrees/add-c");
    w.write(a_wt, "paths.json", &paths(&["a", "b", "c"]));
    w.write(f_wt, "policy.txt", "a\nc\n");
    realm(f_wt, &["commit", "-a", "-m", "c, provided and used"]).ok();
    realm(f_wt, &["push"]).ok();
    // The same consumer commit on a branch of its own: no change behind it.
    w.git(f_wt, &["push", "-q", "origin", "HEAD:refs/heads/solo"])
        .ok();

    // Alone, the consumer needs a value its provider does not publish: exit 1.
    let env = gh.env();
    let out = github_gate(&w, "fungal", "solo", &env).code(1);
    assert!(
        out.stdout.contains(
            "::error file=policy.txt,title=d/paths::broken: aperture's 1.0.0 does not provide what this repository uses: c"
        ),
        "{}",
        out.stdout
    );

    // With its provider's change branch, the two are consistent: exit 0.
    let out = github_gate(&w, "fungal", "feat/add-c", &env).code(0);
    assert!(
        out.stdout.contains(
            "::notice file=policy.txt,title=d/paths::this change resolves 1.1.0 once aperture's change is published (judged against its feat/add-c at "
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1.1.0 once merged"), "{}", out.stdout);

    // A provider branch that lacks what the consumer uses is inconsistent.
    w.write(a_wt, "paths.json", &paths(&["a", "b"]));
    w.git(a_wt, &["commit", "-qam", "no c after all"]).ok();
    w.git(a_wt, &["push", "-q", "origin", "feat/add-c"]).ok();
    let out = github_gate(&w, "fungal", "feat/add-c", &env).code(1);
    assert!(
        out.stdout
            .contains("does not provide what this repository uses: c"),
        "{}",
        out.stdout
    );
    w.write(a_wt, "paths.json", &paths(&["a", "b", "c"]));
    w.git(a_wt, &["commit", "-qam", "c again"]).ok();
    w.git(a_wt, &["push", "-q", "origin", "feat/add-c"]).ok();

    // Once the pull requests exist, the merge order is enforced too: consistent,
    // but aperture's must merge first.
    realm(a_wt, &["pr"]).ok();
    let a_url = gh.repo("acme/aperture")["pulls"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = github_gate(&w, "fungal", "feat/add-c", &env).code(1);
    assert!(
        out.stdout.contains(&format!(
            "::error title=merge order::change 'add-c': merge {a_url} first"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("judged against aperture's feat/add-c"),
        "{}",
        out.stdout
    );
    // The provider's own pull request waits for nobody and breaks nobody.
    github_gate(&w, "aperture", "feat/add-c", &env).code(0);
    // Merged: the consumer may merge.
    gh.merge("acme/aperture", 1);
    github_gate(&w, "fungal", "feat/add-c", &env).code(0);
}

#[test]
fn a_breaking_change_can_merge_first_when_its_consumers_stop_using_it_in_the_same_change() {
    let w = World::new();
    uses_story(&w, false);
    // One change: aperture drops a, fungal stops using it.
    w.realm("aperture", &["worktree", "drop-a"]).ok();
    let (a_wt, f_wt) = ("aperture/.worktrees/drop-a", "fungal/.worktrees/drop-a");
    w.write(a_wt, "paths.json", &paths(&["b"]));
    w.write(f_wt, "policy.txt", "b\n");
    w.realm(a_wt, &["commit", "-a", "-m", "drop a"]).ok();
    w.realm(a_wt, &["push"]).ok();
    w.git(a_wt, &["push", "-q", "origin", "HEAD:refs/heads/solo"])
        .ok();

    // In the change, fungal's branch no longer uses a: aperture's PR breaks nobody.
    let out = github_gate(&w, "aperture", "feat/drop-a", &[]).code(0);
    assert!(
        out.stdout
            .contains("fungal (imports ^1, uses b): not broken; its requirement will need widening [as on its feat/drop-a at "),
        "{}",
        out.stdout
    );
    let json = w
        .realm(a_wt, &["check", "--against", "main", "--json"])
        .ok()
        .json();
    let consumer = &json["realms"][0]["exports"][0]["consumers"][0];
    assert_eq!(consumer["breaks"], false, "{json}");
    assert_eq!(consumer["change_branch"]["branch"], "feat/drop-a");
    // The same commit alone breaks fungal, which still uses a on main.
    let out = github_gate(&w, "aperture", "solo", &[]).code(1);
    assert!(out.stdout.contains("which breaks fungal"), "{}", out.stdout);
    // fungal's PR, against aperture's branch: consistent (its requirement needs
    // widening for 2.0.0, which it is told).
    let out = github_gate(&w, "fungal", "feat/drop-a", &[]).code(0);
    assert!(
        out.stdout.contains(
            "2.0.0 is outside the requirement ^1, but changes nothing this repository uses"
        ),
        "{}",
        out.stdout
    );
}

/// A partial clone (`--filter=blob:none`, `--filter=tree:0`, as a CI checkout may
/// be) has the base's files only at its promisor remote: the gate reads them
/// there, as git would, and gives the verdict a full clone gives.
#[test]
fn the_gate_reads_the_base_of_a_partial_clone() {
    let w = World::new();
    uses_story(&w, false);
    pull_request(&w, "aperture", "drop-a", "paths.json", &paths(&["b"]));
    w.git(
        "remotes/aperture.git",
        &["config", "uploadpack.allowFilter", "true"],
    )
    .ok();
    let origin = format!("file://{}", w.path("remotes/aperture.git").display());
    let realm = w.path(&format!("{REALM}.git")).display().to_string();
    let base = w.rev("aperture", "main");
    for filter in ["blob:none", "tree:0"] {
        let dir = format!("partial-{}", filter.replace(':', "-"));
        w.git(
            ".",
            &[
                "clone",
                "-q",
                &format!("--filter={filter}"),
                "--branch",
                "drop-a",
                &origin,
                &dir,
            ],
        )
        .ok();
        let promisor = w.git(&dir, &["config", "remote.origin.promisor"]).ok();
        assert_eq!(promisor.stdout.trim(), "true", "{filter}: a partial clone");
        let missing = w
            .git(&dir, &["rev-list", "--objects", "--missing=print", &base])
            .ok();
        assert!(
            missing.stdout.lines().any(|l| l.starts_with('?')),
            "{filter}: the base's objects are at the promisor remote"
        );
        let registered = w.path("remotes/aperture.git").display().to_string();
        w.realm(
            &dir,
            &["join", &realm, "--as", "aperture", "--url", &registered],
        )
        .ok();
        let json = w
            .realm(&dir, &["check", "--against", &base, "--json"])
            .code(1)
            .json();
        let against = &json["realms"][0]["against"];
        assert_eq!(against["verdict"], "breaks", "{filter}: {json}");
        let export = &json["realms"][0]["exports"][0];
        assert_eq!(
            export["consumers"][0]["broken_items"],
            serde_json::json!(["a"]),
            "{filter}: {json}"
        );
        // Where the removed item was: read from the base's file.
        assert_eq!(export["locations"][0]["at"], "base", "{filter}: {json}");
        assert_eq!(export["locations"][0]["line"], 2, "{filter}: {json}");
        assert!(
            !export["notes"].to_string().contains("cannot"),
            "{filter}: {json}"
        );
    }
}

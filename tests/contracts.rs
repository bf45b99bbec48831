//! Contracts, told as the design notes tell them: aperture provides the S3 paths
//! it needs, fungal-image-analysis grants them; when aperture's code changes, the
//! realm learns a new version, fungal is told, updates its policy, and resolves.

mod common;
mod support;

use common::{Run, World};
use support::GhDouble;

fn github(w: &World) -> GhDouble {
    std::fs::create_dir_all(w.path("github")).unwrap();
    GhDouble::new(&w.path("github"))
}

/// A world with a realm, aperture (provider) and fungal-image-analysis (consumer,
/// on "GitHub" so it can be notified), and a `gh` double.
struct Story {
    w: World,
    gh: GhDouble,
}

const PATHS: &str = "models/training/s3_paths.py";
const STACK: &str = "cdk/training_tools_access_stack.py";
const READ: &str = r#"read=models/**/*.py=read\("s3://bucket/([^"]+)"\)"#;
const WRITE: &str = r#"write=models/**/*.py=write\("s3://bucket/([^"]+)"\)"#;
const VERIFY: &str = r#""arn:aws:s3:::bucket/([^"]+)""#;

impl Story {
    fn new() -> Story {
        let w = World::new();
        let gh = github(&w);
        let s = Story { w, gh };
        let realm = s.w.bare_realm("letemcook");
        s.w.member("aperture");
        s.w.member("fungal-image-analysis");
        s.realm("aperture", &["join", &realm]).ok();
        s.realm(
            "fungal-image-analysis",
            &[
                "join",
                &realm,
                "--url",
                "https://github.com/acme/fungal-image-analysis.git",
            ],
        )
        .ok();
        s
    }

    /// `git realm ARGS` in `dir`, with the gh double as `gh`.
    fn realm(&self, dir: &str, args: &[&str]) -> Run {
        self.w.realm_env(dir, args, &self.gh.env())
    }

    fn write(&self, dir: &str, path: &str, content: &str) {
        self.w.write(dir, path, content);
    }

    fn commit(&self, repo: &str, message: &str) {
        self.w.git(repo, &["add", "-A"]).ok();
        self.w.git(repo, &["commit", "-q", "-m", message]).ok();
    }

    fn contract(&self, domain: &str, contract: &str) -> serde_yaml::Value {
        let text = self
            .w
            .git(
                "letemcook.git",
                &[
                    "show",
                    &format!("main:domains/{domain}/contracts/{contract}.yaml"),
                ],
            )
            .ok()
            .stdout;
        serde_yaml::from_str(&text).unwrap()
    }

    /// Every `gh issue create` so far (not the `issue list` look-ups).
    fn issue_calls(&self) -> Vec<Vec<String>> {
        self.gh
            .calls()
            .into_iter()
            .filter(|c| c[..2] == ["issue", "create"])
            .collect()
    }

    /// The s3-access domain, aperture exporting s3-permissions from its code,
    /// fungal importing it with verification.
    fn with_contract(self) -> Story {
        self.write(
            "aperture",
            PATHS,
            "read(\"s3://bucket/jobs/*/masks/*\")\nread(\"s3://bucket/training-runs/*\")\nwrite(\"s3://bucket/jobs/*/*/manifest.json\")\n",
        );
        self.commit("aperture", "s3 paths");
        self.realm(
            "aperture",
            &[
                "domain",
                "create",
                "s3-access",
                "--repos",
                "aperture,fungal-image-analysis",
            ],
        )
        .ok();
        let out = self
            .realm(
                "aperture",
                &[
                    "export",
                    "s3-permissions",
                    "--domain",
                    "s3-access",
                    "--extract-key",
                    READ,
                    "--extract-key",
                    WRITE,
                ],
            )
            .ok();
        assert!(
            out.stdout
                .contains("Exported s3-access/s3-permissions@1.0.0 (3 items"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("Wrote its source to .realm/exports.yaml (staged)"),
            "{}",
            out.stdout
        );
        self.commit("aperture", "export s3-permissions");

        self.write(
            "fungal-image-analysis",
            STACK,
            "grants = [\n  \"arn:aws:s3:::bucket/jobs/*/masks/*\",\n  \"arn:aws:s3:::bucket/training-runs/*\",\n  \"arn:aws:s3:::bucket/jobs/*/*/manifest.json\",\n]\n",
        );
        self.commit("fungal-image-analysis", "grant aperture's paths");
        let out = self
            .realm(
                "fungal-image-analysis",
                &[
                    "import",
                    "s3-permissions",
                    "--domain",
                    "s3-access",
                    "--requires",
                    ">=1.0.0",
                    "--binding",
                    STACK,
                    "--verify",
                    VERIFY,
                ],
            )
            .ok();
        assert!(
            out.stdout.contains("s3-permissions: current at 1.0.0"),
            "{}",
            out.stdout
        );
        self
    }
}

#[test]
fn the_aperture_and_fungal_walkthrough() {
    let s = Story::new().with_contract();
    let (w, aperture, fungal) = (&s.w, "aperture", "fungal-image-analysis");

    // Everything is current on both sides.
    s.realm(fungal, &["check"]).ok();
    s.realm(aperture, &["check", "--fetch"]).ok();

    // A developer in aperture adds a new S3 path in code.
    let mut code = std::fs::read_to_string(w.path(aperture).join(PATHS)).unwrap();
    code.push_str("read(\"s3://bucket/training-metrics/experiments/*\")\n");
    s.write(aperture, PATHS, &code);

    // Uncommitted, it is shown apart and never published.
    let check = s.realm(aperture, &["check", "--json"]).ok().json();
    let export = &check["realms"][0]["exports"][0];
    assert_eq!(export["next_version"], serde_json::Value::Null);
    assert_eq!(
        export["uncommitted"],
        serde_json::json!(["+ read: training-metrics/experiments/*"])
    );
    let out = s.realm(aperture, &["check"]).ok();
    assert!(
        out.stdout.contains("uncommitted: would change"),
        "{}",
        out.stdout
    );
    let before = w.rev("letemcook.git", "main");
    s.realm(aperture, &["sync"]).ok();
    assert_eq!(w.rev("letemcook.git", "main"), before, "nothing published");
    s.commit(aperture, "read training metrics");

    let check = s.realm(aperture, &["check", "--json"]).code(1).json();
    let export = &check["realms"][0]["exports"][0];
    assert_eq!(export["contract"], "s3-permissions");
    assert_eq!(export["version"], "1.0.0");
    assert_eq!(export["next_version"], "1.1.0");
    assert_eq!(export["bump"], "minor");
    assert_eq!(
        export["diff"]["added"],
        serde_json::json!(["read: training-metrics/experiments/*"])
    );
    assert_eq!(export["consumers"][0]["repo"], fungal);
    assert_eq!(export["consumers"][0]["breaks"], false);
    assert_eq!(export["commit"], w.rev(aperture, "HEAD").as_str());
    let status = s.realm(aperture, &["status"]).ok();
    assert!(
        status.stdout.contains("Cross-repo change detected"),
        "{}",
        status.stdout
    );

    // sync bumps the minor version and notifies fungal, once.
    let out = s.realm(aperture, &["sync"]).ok();
    assert!(
        out.stdout.contains("s3-permissions: 1.0.0 → 1.1.0 (minor)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("+ read: training-metrics/experiments/*"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("opened https://github.com/acme/fungal-image-analysis/issues/1"),
        "{}",
        out.stdout
    );
    let contract = s.contract("s3-access", "s3-permissions");
    assert_eq!(contract["version"], "1.1.0");
    assert_eq!(
        contract["notifications"][0]["url"],
        "https://github.com/acme/fungal-image-analysis/issues/1"
    );
    assert_eq!(
        contract["changelog"].as_sequence().unwrap().len(),
        2,
        "a changelog entry per version"
    );
    let issues = s.issue_calls();
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0]
            .windows(2)
            .any(|p| p == ["--repo", "acme/fungal-image-analysis"]),
        "{issues:?}"
    );
    let issue = &s.gh.repo("acme/fungal-image-analysis")["issues"][0];
    assert!(
        issue["title"]
            .as_str()
            .unwrap()
            .contains("training-metrics/experiments/*"),
        "{issue}"
    );
    assert!(issue["body"].as_str().unwrap().contains(STACK), "{issue}");

    // The consumer sees it as stale.
    let check = s
        .realm(fungal, &["check", "--fetch", "--json"])
        .code(1)
        .json();
    let import = &check["realms"][0]["imports"][0];
    assert_eq!(import["state"], "stale");
    assert_eq!(import["resolved_version"], "1.0.0");
    assert_eq!(import["latest_version"], "1.1.0");

    // A sync before the policy is updated resolves nothing.
    let out = s.realm(fungal, &["sync"]).ok();
    assert!(
        out.stdout.contains("does not provide 1.1.0"),
        "{}",
        out.stdout
    );

    // The maintainer updates the IAM policy, commits, and syncs: resolved.
    let mut stack = std::fs::read_to_string(w.path(fungal).join(STACK)).unwrap();
    stack = stack.replace(
        "]\n",
        "  \"arn:aws:s3:::bucket/training-metrics/experiments/*\",\n]\n",
    );
    s.write(fungal, STACK, &stack);
    s.commit(fungal, "grant training-metrics");
    let out = s.realm(fungal, &["sync"]).ok();
    assert!(
        out.stdout
            .contains("Imports resolved in domain 's3-access':\n  s3-permissions: now at 1.1.0"),
        "{}",
        out.stdout
    );
    let head = w.rev(fungal, "HEAD");
    let binding = w
        .git(
            "letemcook.git",
            &[
                "show",
                &format!("main:domains/s3-access/bindings/{fungal}.yaml"),
            ],
        )
        .ok()
        .stdout;
    assert!(binding.contains("resolved_version: 1.1.0"), "{binding}");
    assert!(
        binding.contains(&format!("resolved_commit: {head}")),
        "{binding}"
    );
    let note = w
        .git(fungal, &["notes", "--ref", "realm", "show", "HEAD"])
        .ok()
        .stdout;
    assert_eq!(
        note,
        "{\"realm\":\"letemcook\",\"resolves\":\"s3-access/s3-permissions@1.1.0\"}\n"
    );

    s.realm(fungal, &["check"]).ok();
    s.realm(aperture, &["check", "--fetch"]).ok();

    // Re-running sync anywhere opens no second issue and writes nothing.
    let before = w.rev("letemcook.git", "main");
    s.realm(aperture, &["sync"]).ok();
    s.realm(fungal, &["sync"]).ok();
    assert_eq!(w.rev("letemcook.git", "main"), before);
    assert_eq!(s.issue_calls().len(), 1);

    // The graph shows the edge.
    let graph = s.realm(fungal, &["graph"]).ok().stdout;
    assert!(
        graph.contains(
            "aperture ──s3-permissions@1.1.0──▶ fungal-image-analysis (>=1.0.0, at 1.1.0)"
        ),
        "{graph}"
    );
    let mermaid = s
        .realm(fungal, &["graph", "--format", "mermaid"])
        .ok()
        .stdout;
    assert!(
        mermaid.contains("aperture -->|\"s3-access/s3-permissions@1.1.0\"| fungal_image_analysis"),
        "{mermaid}"
    );
    let dot = s
        .realm(
            fungal,
            &["graph", "--format", "dot", "--domain", "s3-access"],
        )
        .ok()
        .stdout;
    assert!(
        dot.contains("\"aperture\" -> \"fungal-image-analysis\""),
        "{dot}"
    );
    let json = s.realm(fungal, &["graph", "--json"]).ok().json();
    assert_eq!(json["edges"][0]["resolved_version"], "1.1.0");
}

/// aperture exports `c` in domain `d` as a literal value.
fn literal_story() -> Story {
    let s = Story::new();
    s.realm(
        "aperture",
        &[
            "domain",
            "create",
            "d",
            "--repos",
            "aperture,fungal-image-analysis",
        ],
    )
    .ok();
    s.realm(
        "aperture",
        &[
            "export",
            "c",
            "--domain",
            "d",
            "--value",
            r#"{"read":["a","b"]}"#,
        ],
    )
    .ok();
    s.commit("aperture", "export c");
    s
}

/// Declare a new literal value for `d/c` and commit the declaration.
fn set_value(s: &Story, json: &str) {
    s.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", json],
    )
    .ok();
    s.commit("aperture", "new value of c");
}

#[test]
fn the_semver_table_row_by_row() {
    let s = literal_story();
    let version = |s: &Story| s.contract("d", "c")["version"].as_str().unwrap().to_owned();
    assert_eq!(version(&s), "1.0.0");

    // Items added → minor.
    set_value(&s, r#"{"read":["a","b","c"]}"#);
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(version(&s), "1.1.0");

    // Items removed → major.
    set_value(&s, r#"{"read":["a","c"]}"#);
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(version(&s), "2.0.0");

    // Items changed → major.
    set_value(&s, r#"{"read":["a","z"]}"#);
    s.realm("aperture", &["sync", "-m", "rename c to z"]).ok();
    assert_eq!(version(&s), "3.0.0");

    // Description only → patch.
    s.realm(
        "aperture",
        &[
            "export",
            "c",
            "--domain",
            "d",
            "--description",
            "paths aperture reads",
        ],
    )
    .ok();
    s.commit("aperture", "describe c");
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(version(&s), "3.0.1");
    assert_eq!(s.contract("d", "c")["description"], "paths aperture reads");

    // No change → no commit at all.
    let before = s.w.rev("letemcook.git", "main");
    let out = s.realm("aperture", &["sync"]).ok();
    assert!(out.stdout.contains("Nothing to publish"), "{}", out.stdout);
    assert_eq!(s.w.rev("letemcook.git", "main"), before);

    // One changelog entry per version, with what changed.
    let log = s.contract("d", "c")["changelog"].clone();
    let versions: Vec<&str> = log
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "2.0.0", "3.0.0", "3.0.1"]);
    let changes: Vec<&str> = log[3]["changes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(changes, ["rename c to z", "+ read: z", "- read: c"]);
    // One realm commit per sync, named after what it did.
    assert_eq!(
        s.w.realm_log("letemcook.git")[0],
        "aperture: sync d/c@3.0.1"
    );
}

#[test]
fn a_breaking_change_a_consumer_relies_on_is_refused_unless_forced() {
    let s = literal_story();
    s.write("fungal-image-analysis", "policy.txt", "a b\n");
    s.commit("fungal-image-analysis", "policy");
    s.realm(
        "fungal-image-analysis",
        &[
            "import",
            "c",
            "--domain",
            "d",
            "--requires",
            "^1",
            "--binding",
            "policy.txt",
        ],
    )
    .ok();

    set_value(&s, r#"{"read":["a"]}"#);
    let before = s.w.rev("letemcook.git", "main");
    let out = s.realm("aperture", &["sync"]).code(3);
    assert!(
        out.stderr
            .contains("refusing a breaking change: d/c 1.0.0 → 2.0.0"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("fungal-image-analysis imports d/c ^1, at 1.0.0"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("- read: b"), "{}", out.stderr);
    assert_eq!(s.w.rev("letemcook.git", "main"), before, "nothing written");
    assert!(s.issue_calls().is_empty());

    // --dry-run shows it too, and writes nothing.
    s.realm("aperture", &["sync", "--dry-run"]).code(3);

    let out = s.realm("aperture", &["sync", "--force"]).ok();
    assert!(
        out.stdout.contains("c: 1.0.0 → 2.0.0 (major)"),
        "{}",
        out.stdout
    );
    let check = s
        .realm("fungal-image-analysis", &["check", "--fetch", "--json"])
        .code(1)
        .json();
    // The realm gives consumers 14 days (init's default) before it counts as broken.
    let import = &check["realms"][0]["imports"][0];
    assert_eq!(import["state"], "grace");
    assert_eq!(import["deadline"], "2026-02-07");
    assert!(
        import["reason"]
            .as_str()
            .unwrap()
            .contains("outside the requirement ^1")
    );
    // After the deadline, it is broken.
    let mut cmd = s.w.command(
        &s.w.path("fungal-image-analysis"),
        "git",
        &["realm", "check", "--json"],
    );
    cmd.env("GIT_COMMITTER_DATE", "2026-02-08 10:00:00 +0000");
    let late = s.w.run_cmd(cmd).code(1).json();
    assert_eq!(late["realms"][0]["imports"][0]["state"], "broken");
    assert_eq!(
        s.issue_calls().len(),
        1,
        "the consumer is told about the breaking version"
    );
    let body = s.gh.repo("acme/fungal-image-analysis")["issues"][0]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(body.contains("This version breaks your import"), "{body}");
    assert!(
        body.contains("grace period runs until **2026-02-07**"),
        "{body}"
    );
}

#[test]
fn where_governance_requires_approval_a_breaking_change_becomes_a_proposal() {
    let w = World::new();
    let gh = github(&w);
    w.realm(
        ".",
        &[
            "init",
            "letemcook.git",
            "--bare",
            "--name",
            "letemcook",
            "--require-approval",
        ],
    )
    .ok();
    let s = Story { w, gh };
    let realm = s.w.path("letemcook.git").display().to_string();
    s.w.member("aperture");
    s.realm("aperture", &["join", &realm]).ok();
    s.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    s.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a","b"]"#],
    )
    .ok();
    s.commit("aperture", "export c");
    set_value(&s, r#"["a"]"#);
    let before = s.w.rev("letemcook.git", "main");
    let out = s.realm("aperture", &["sync"]).ok();
    assert!(
        out.stdout
            .contains("proposed on branch proposal/aperture/c-2.0.0"),
        "{}",
        out.stdout
    );
    assert_eq!(s.w.rev("letemcook.git", "main"), before, "main keeps 1.0.0");
    let proposed =
        s.w.git(
            "letemcook.git",
            &[
                "show",
                "proposal/aperture/c-2.0.0:domains/d/contracts/c.yaml",
            ],
        )
        .ok()
        .stdout;
    assert!(proposed.contains("version: 2.0.0"), "{proposed}");
}

#[test]
fn notifications_are_never_sent_twice_across_reruns_and_clones() {
    let s = Story::new().with_contract();
    let add = |path: &str| {
        let mut code = std::fs::read_to_string(s.w.path("aperture").join(PATHS)).unwrap();
        code.push_str(&format!("read(\"s3://bucket/{path}\")\n"));
        s.write("aperture", PATHS, &code);
        s.commit("aperture", path);
        s.w.git("aperture", &["push", "-q", "origin", "HEAD"]).ok();
    };

    // gh fails: the realm commit stands, the failure is reported (exit 4).
    add("one/*");
    let mut cmd =
        s.w.command(&s.w.path("aperture"), "git", &["realm", "sync"]);
    cmd.envs(s.gh.env()).env("GH_DOUBLE_FAIL", "issue create");
    let out = s.w.run_cmd(cmd).code(4);
    assert!(
        out.stdout.contains("retried on the next sync"),
        "{}",
        out.stdout
    );
    let contract = s.contract("s3-access", "s3-permissions");
    assert_eq!(contract["version"], "1.1.0");
    assert!(
        contract["notifications"][0].get("url").is_none(),
        "claimed, not sent: {contract:?}"
    );

    // gh missing altogether: still exit 4, still pending.
    let mut cmd =
        s.w.command(&s.w.path("aperture"), "git", &["realm", "sync"]);
    cmd.envs(s.gh.env())
        .env("GIT_REALM_GH", s.w.path("no-such-gh"));
    s.w.run_cmd(cmd).code(4);

    // The next sync sends it; later ones do not.
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(s.issue_calls().len(), 2, "one failed attempt, one success");
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(s.issue_calls().len(), 2);

    // A teammate's clone of aperture syncs too: nothing new.
    s.w.git(".", &["clone", "-q", "remotes/aperture.git", "aperture-2"])
        .ok();
    let realm = s.w.path("letemcook.git").display().to_string();
    s.realm("aperture-2", &["join", &realm]).ok();
    s.realm("aperture-2", &["sync"]).ok();
    assert_eq!(s.issue_calls().len(), 2);

    // With --no-notify, the notification stays pending and goes out next time.
    add("two/*");
    let out = s.realm("aperture", &["sync", "--no-notify"]).ok();
    assert!(
        out.stdout.contains("pending for the next sync"),
        "{}",
        out.stdout
    );
    assert_eq!(s.issue_calls().len(), 2);
    // (the teammate pulls the same code first: the committed code is the value's truth)
    s.w.git("aperture-2", &["pull", "-q"]).ok();
    s.realm("aperture-2", &["sync"]).ok();
    assert_eq!(
        s.issue_calls().len(),
        3,
        "sent once, from whichever clone syncs next"
    );
    s.realm("aperture", &["sync"]).ok();
    assert_eq!(s.issue_calls().len(), 3);
    let contract = s.contract("s3-access", "s3-permissions");
    let urls: Vec<&str> = contract["notifications"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|n| n["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 2);
}

/// `check` reads what the working tree would commit through a scratch index and
/// a scratch object database: the user's index — a partly staged file, an
/// untracked one — stays as it was, and no object is added to the repository.
#[test]
fn check_leaves_the_users_index_and_objects_as_they_were() {
    let s = Story::new().with_contract();
    let objects = || {
        let mut files: Vec<String> = walk(&s.w.path("aperture/.git/objects"));
        files.sort();
        files
    };
    s.write("aperture", "f.txt", "l1\nl2\n");
    s.w.git("aperture", &["add", "f.txt"]).ok();
    s.commit("aperture", "f");
    s.write("aperture", "f.txt", "L1\nl2\n");
    s.w.git("aperture", &["add", "f.txt"]).ok();
    s.write("aperture", "f.txt", "L1\nL2\n");
    s.write("aperture", "untracked.txt", "mine\n");
    let mut code = std::fs::read_to_string(s.w.path("aperture").join(PATHS)).unwrap();
    code.push_str("read(\"s3://bucket/uncommitted/*\")\n");
    s.write("aperture", PATHS, &code);
    let objects_before = objects();
    let before = s.w.git("aperture", &["status", "--porcelain"]).ok().stdout;
    let staged = s.w.git("aperture", &["diff", "--cached"]).ok().stdout;
    assert!(
        before.contains("MM f.txt") && before.contains("?? untracked.txt"),
        "{before}"
    );
    let check = s.realm("aperture", &["check", "--json"]).ok().json();
    assert_eq!(
        check["realms"][0]["exports"][0]["uncommitted"],
        serde_json::json!(["+ read: uncommitted/*"]),
        "the uncommitted value is read from the scratch objects"
    );
    s.realm("aperture", &["check", "--against", "HEAD"]).ok();
    assert_eq!(
        s.w.git("aperture", &["status", "--porcelain"]).ok().stdout,
        before
    );
    assert_eq!(objects(), objects_before, "no object written into .git");
    assert_eq!(
        s.w.git("aperture", &["diff", "--cached"]).ok().stdout,
        staged
    );
}

/// Every file below `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn a_dry_run_writes_nothing_anywhere() {
    let s = Story::new().with_contract();
    let mut code = std::fs::read_to_string(s.w.path("aperture").join(PATHS)).unwrap();
    code.push_str("read(\"s3://bucket/new/*\")\n");
    s.write("aperture", PATHS, &code);
    s.commit("aperture", "new path");
    s.realm("aperture", &["check", "--fetch"]).code(1);
    let realm_before = s.w.rev("letemcook.git", "main");
    let local_before = s.w.rev("aperture", "refs/realm/letemcook/main");
    let out = s.realm("aperture", &["sync", "--dry-run"]).ok();
    assert!(
        out.stdout.contains("s3-permissions: 1.0.0 → 1.1.0 (minor)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Dry run: nothing was written."),
        "{}",
        out.stdout
    );
    assert_eq!(s.w.rev("letemcook.git", "main"), realm_before);
    assert_eq!(
        s.w.rev("aperture", "refs/realm/letemcook/main"),
        local_before
    );
    assert!(s.gh.calls().is_empty());
}

#[test]
fn eight_providers_sync_different_contracts_at_once() {
    let w = World::new();
    let gh = github(&w);
    let realm = w.bare_realm("letemcook");
    let names: Vec<String> = (1..=8)
        .map(|i| w.member(&format!("provider-{i}")))
        .collect();
    let s = Story { w, gh };
    for n in &names {
        s.realm(n, &["join", &realm]).ok();
    }
    let repos = names.join(",");
    s.realm(
        &names[0],
        &["domain", "create", "shared", "--repos", &repos],
    )
    .ok();
    for n in &names {
        s.realm(
            n,
            &[
                "export",
                &format!("{n}-api"),
                "--domain",
                "shared",
                "--value",
                r#"["v1"]"#,
            ],
        )
        .ok();
        s.realm(
            n,
            &[
                "export",
                &format!("{n}-api"),
                "--domain",
                "shared",
                "--value",
                r#"["v1","v2"]"#,
            ],
        )
        .ok();
        s.w.git(n, &["commit", "-q", "-m", "export"]).ok();
    }
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            let mut cmd = s.w.command(&s.w.path(n), "git", &["realm", "sync", "-v"]);
            cmd.envs(s.gh.env())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for (n, child) in names.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for n in &names {
        assert_eq!(
            s.contract("shared", &format!("{n}-api"))["version"],
            "1.1.0",
            "{n}'s version was lost"
        );
    }
    let syncs =
        s.w.realm_log("letemcook.git")
            .iter()
            .filter(|l| l.contains(": sync "))
            .count();
    assert_eq!(syncs, 8, "one realm commit per sync");
}

#[test]
fn two_clones_racing_on_the_same_contract_is_detected_and_nothing_is_lost() {
    let s = Story::new();
    let realm = s.w.path("letemcook.git").display().to_string();
    s.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    s.write("aperture", "c.json", r#"{"read":["a","b"]}"#);
    s.commit("aperture", "c");
    s.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--file", "c.json"],
    )
    .ok();
    s.commit("aperture", "export c");
    s.w.git("aperture", &["push", "-q", "origin", "HEAD"]).ok();
    // A second clone of aperture, whose code says something else.
    s.w.git(".", &["clone", "-q", "remotes/aperture.git", "aperture-2"])
        .ok();
    s.realm("aperture-2", &["join", &realm]).ok();
    s.write("aperture-2", "c.json", r#"{"read":["a","b","from-2"]}"#);
    s.commit("aperture-2", "from 2");
    s.write("aperture", "c.json", r#"{"read":["a","b","from-1"]}"#);
    s.commit("aperture", "from 1");

    // While aperture's sync is being pushed, aperture-2 publishes first (once).
    let env: String =
        s.w.env()
            .iter()
            .chain(s.gh.env().iter())
            .map(|(k, v)| format!("{k}='{v}' "))
            .collect();
    let marker = s.w.path("raced");
    s.w.write_exe(
        "letemcook.git/hooks/pre-receive",
        &format!(
            "#!/bin/sh\ncat >/dev/null\nif [ ! -e '{m}' ]; then\n  touch '{m}'\n  cd '{d}' && env -i {env} git realm sync >/dev/null 2>&1 || exit 1\nfi\nexit 0\n",
            m = marker.display(),
            d = s.w.path("aperture-2").display()
        ),
    );
    let out = s.realm("aperture", &["sync"]).code(3);
    assert!(marker.exists(), "the race was not staged");
    assert!(
        out.stderr.contains("d/c moved from 1.0.0 to 1.1.0"),
        "{}",
        out.stderr
    );
    let contract = s.contract("d", "c");
    assert_eq!(contract["version"], "1.1.0", "aperture-2's version stands");
    assert!(
        contract["value"]["read"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|v| v == "from-2")
    );
}

#[test]
fn malformed_contracts_and_bindings_are_refused_naming_file_and_field() {
    let s = Story::new().with_contract();
    s.w.edit_realm(
        "letemcook.git",
        &[(
            "domains/s3-access/contracts/s3-permissions.yaml",
            "name: s3-permissions\nowner: aperture\nversion: 1.0.0\n",
        )],
    );
    let out = s
        .realm("fungal-image-analysis", &["check", "--fetch"])
        .code(2);
    assert!(
        out.stderr
            .contains("invalid domains/s3-access/contracts/s3-permissions.yaml"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("value"), "{}", out.stderr);

    let s = Story::new().with_contract();
    s.w.edit_realm(
        "letemcook.git",
        &[(
            "domains/s3-access/bindings/aperture.yaml",
            "repo: aperture\nexports:\n- contract: s3-permissions\n  source: {kind: shell, command: rm -rf /}\n",
        )],
    );
    let before = s.w.rev("letemcook.git", "main");
    let out = s.realm("aperture", &["sync"]).code(2);
    assert!(
        out.stderr.contains(
            "invalid domains/s3-access/bindings/aperture.yaml: field `exports[0].source.kind`"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(s.w.rev("letemcook.git", "main"), before);
}

#[test]
fn bad_arguments_name_the_argument_and_change_nothing() {
    let s = literal_story();
    let before = s.w.rev("letemcook.git", "main");
    let cases: &[(&[&str], &str)] = &[
        (
            &["export", "c", "--domain", "d", "--value", "{not json"],
            "--value",
        ),
        (
            &["export", "c", "--domain", "nope", "--value", "1"],
            "--domain nope",
        ),
        (
            &[
                "export",
                "c",
                "--domain",
                "d",
                "--extract",
                "no-equals-sign",
            ],
            "--extract",
        ),
        (
            &[
                "export",
                "c",
                "--domain",
                "d",
                "--extract",
                "*.py=(unclosed",
            ],
            "bad regex",
        ),
        (
            &["export", "c", "--domain", "d", "--file", "../outside.yaml"],
            "outside the repository",
        ),
        (&["export", "Bad", "--domain", "d", "--value", "1"], "Bad"),
        (
            &["domain", "create", "e", "--repos", "aperture,ghost"],
            "'ghost' is not registered",
        ),
        (&["graph", "--domain", "nope"], "--domain nope"),
    ];
    for (args, needle) in cases {
        let out = s.realm("aperture", args).code(2);
        assert!(
            out.stderr.contains(needle),
            "{args:?}: expected {needle:?} in\n{}",
            out.stderr
        );
    }
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "import",
                "c",
                "--domain",
                "d",
                "--requires",
                "banana",
                "--binding",
                "README.md",
            ],
            "--requires",
        ),
        (
            &[
                "import",
                "c",
                "--domain",
                "d",
                "--requires",
                "^1",
                "--binding",
                "missing.txt",
            ],
            "--binding missing.txt",
        ),
        (
            &[
                "import",
                "nope",
                "--domain",
                "d",
                "--requires",
                "^1",
                "--binding",
                "README.md",
            ],
            "nobody exports it",
        ),
    ];
    for (args, needle) in cases {
        let out = s.realm("fungal-image-analysis", args).code(2);
        assert!(
            out.stderr.contains(needle),
            "{args:?}: expected {needle:?} in\n{}",
            out.stderr
        );
    }
    // Exporting someone else's contract is a conflict.
    let out = s
        .realm(
            "fungal-image-analysis",
            &["export", "c", "--domain", "d", "--value", "1"],
        )
        .code(3);
    assert!(
        out.stderr.contains("provided by aperture"),
        "{}",
        out.stderr
    );
    assert_eq!(s.w.rev("letemcook.git", "main"), before);
}

#[test]
fn exports_from_files_with_pointers_and_schemas() {
    let s = Story::new();
    s.realm(
        "aperture",
        &["domain", "create", "quotas", "--repos", "aperture"],
    )
    .ok();
    s.write(
        "aperture",
        "config/limits.yaml",
        "production:\n  max_jobs: 10\n  regions: [eu, us]\nstaging: {max_jobs: 1}\n",
    );
    s.write(
        "aperture",
        "schema.json",
        r#"{"type":"object","properties":{"max_jobs":{"type":"integer","maximum":100}},"required":["max_jobs"]}"#,
    );
    s.commit("aperture", "limits");
    s.realm(
        "aperture",
        &[
            "export",
            "limits",
            "--domain",
            "quotas",
            "--file",
            "config/limits.yaml#/production",
            "--schema",
            "schema.json",
        ],
    )
    .ok();
    let contract = s.contract("quotas", "limits");
    assert_eq!(contract["value"]["max_jobs"], 10);
    assert!(contract["schema"].is_mapping());
    s.commit("aperture", "export limits");

    // A value that breaks the schema is reported by check, and sync refuses to publish it.
    s.write(
        "aperture",
        "config/limits.yaml",
        "production:\n  max_jobs: 1000\n",
    );
    s.commit("aperture", "more jobs");
    let check = s.realm("aperture", &["check", "--json"]).code(1).json();
    assert!(
        check["realms"][0]["exports"][0]["error"]
            .as_str()
            .unwrap()
            .contains("schema"),
        "{check}"
    );
    let out = s.realm("aperture", &["sync"]).code(1);
    assert!(out.stdout.contains("not published"), "{}", out.stdout);
    assert_eq!(s.contract("quotas", "limits")["version"], "1.0.0");
}

#[test]
fn sync_notifies_through_the_real_gh_against_a_local_fake_github() {
    let s = Story::new().with_contract();
    let fake = support::FakeGithub::start(&s.w.path("fake-github"));
    let mut code = std::fs::read_to_string(s.w.path("aperture").join(PATHS)).unwrap();
    code.push_str("read(\"s3://bucket/training-metrics/experiments/*\")\n");
    s.write("aperture", PATHS, &code);
    s.commit("aperture", "training metrics");

    // The real gh, configured to send every request over the fake's Unix socket.
    let mut cmd =
        s.w.command(&s.w.path("aperture"), "git", &["realm", "sync"]);
    for (k, v) in fake.env() {
        if k.starts_with("GH_") || k == "NO_COLOR" {
            cmd.env(k, v);
        }
    }
    cmd.env("GIT_REALM_GH", support::real_gh());
    let out = s.w.run_cmd(cmd).ok();
    assert!(
        fake.unsupported().is_empty(),
        "gh sent what the fake does not know: {:?}",
        fake.unsupported()
    );
    assert!(
        fake.operations().iter().any(|o| o == "IssueCreate"),
        "{:?}",
        fake.operations()
    );

    let issue = &fake.state()["repos"]["acme/fungal-image-analysis"]["issues"][0];
    assert!(
        issue["title"]
            .as_str()
            .unwrap()
            .contains("training-metrics/experiments/*"),
        "{issue}"
    );
    assert!(issue["body"].as_str().unwrap().contains(STACK), "{issue}");
    let url = issue["url"].as_str().unwrap();
    assert!(out.stdout.contains(url), "{}", out.stdout);
    assert_eq!(
        s.contract("s3-access", "s3-permissions")["notifications"][0]["url"],
        url
    );
}

#[test]
fn on_a_github_hosted_realm_proposals_become_pull_requests() {
    let w = World::new();
    let gh = github(&w);
    w.realm(
        ".",
        &[
            "init",
            "realm.git",
            "--bare",
            "--name",
            "gated",
            "--admission",
            "approval",
            "--require-approval",
        ],
    )
    .ok();
    // The realm "lives on GitHub": git's own url rewriting sends it to the local bare repo.
    let local = w.path("realm.git").display().to_string();
    w.git(
        ".",
        &[
            "config",
            "--global",
            &format!("url.{local}.insteadOf"),
            "https://github.com/acme/realm.git",
        ],
    )
    .ok();
    let s = Story { w, gh };
    s.w.member("aperture");
    let url = "https://github.com/acme/realm.git";

    let out = s.realm("aperture", &["join", url]).ok();
    assert!(
        out.stdout
            .contains("Pull request: https://github.com/acme/realm/pull/1"),
        "{}",
        out.stdout
    );
    let pr = &s.gh.repo("acme/realm")["pulls"][0];
    assert_eq!(pr["head"], "join/aperture");
    assert_eq!(pr["base"], "main");
    // Re-running join while the proposal is open does not open a second one.
    s.realm("aperture", &["join", url]).ok();
    assert_eq!(
        s.gh.repo("acme/realm")["pulls"].as_array().unwrap().len(),
        1
    );

    // The approver merges; aperture is in, and breaking changes become pull requests too.
    let before = s.w.rev("realm.git", "main");
    s.w.git(
        "realm.git",
        &[
            "update-ref",
            "refs/heads/main",
            "refs/heads/join/aperture",
            &before,
        ],
    )
    .ok();
    s.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    s.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a","b"]"#],
    )
    .ok();
    s.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a"]"#],
    )
    .ok();
    s.commit("aperture", "export c");
    let out = s.realm("aperture", &["sync"]).ok();
    assert!(
        out.stdout
            .contains("proposed on branch proposal/aperture/c-2.0.0"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Pull request for approval: https://github.com/acme/realm/pull/2"),
        "{}",
        out.stdout
    );
    let pr = &s.gh.repo("acme/realm")["pulls"][1];
    assert_eq!(pr["head"], "proposal/aperture/c-2.0.0");
    assert!(pr["body"].as_str().unwrap().contains("- b"), "{pr}");
}

#[test]
fn a_sync_without_contention_costs_one_fetch_and_one_push() {
    let s = literal_story();
    set_value(&s, r#"{"read":["a","b","c"]}"#);
    let trace = s.w.path("trace.log");
    let mut cmd = s.w.command(
        &s.w.path("aperture"),
        "git",
        &["realm", "sync", "--no-notify"],
    );
    cmd.envs(s.gh.env()).env("GIT_TRACE", &trace);
    s.w.run_cmd(cmd).ok();
    let log = std::fs::read_to_string(&trace).unwrap();
    let count = |what: &str| {
        log.lines()
            .filter(|l| l.contains(&format!("built-in: git {what} ")))
            .count()
    };
    assert_eq!(count("fetch"), 1, "{log}");
    assert_eq!(count("push"), 1, "{log}");
    assert_eq!(s.contract("d", "c")["version"], "1.1.0");
}

// ---------------------------------------------------------------------------
// Contracts on real code: committed sources, items with identity, consumers
// that say what they use.
// ---------------------------------------------------------------------------

/// aperture provides `api` in domain `rust` (members: aperture, fungal, cli).
fn three_repo_story() -> Story {
    let s = Story::new();
    let realm = s.w.path("letemcook.git").display().to_string();
    s.w.member("cli");
    s.realm("cli", &["join", &realm]).ok();
    s.realm(
        "aperture",
        &[
            "domain",
            "create",
            "rust",
            "--repos",
            "aperture,fungal-image-analysis,cli",
        ],
    )
    .ok();
    s
}

fn sync_json(s: &Story, dir: &str, args: &[&str], code: i32) -> Run {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    s.realm(dir, &all).code(code)
}

#[test]
fn a_release_history_is_bumped_right_and_breaks_only_who_uses_what_changed() {
    let s = three_repo_story();
    let a = "aperture";
    s.write(
        a,
        "src/a.rs",
        "pub fn parse(s: &str) {}\npub fn run() {}\n#[cfg(feature = \"nightly\")]\npub fn experimental() {}\n",
    );
    s.write(a, "src/b.rs", "pub enum Error { Io, Parse }\n");
    s.write(a, "src/c.rs", "pub enum Error { Io, Timeout }\n");
    s.write(a, "src/sys/unix.rs", "pub fn private_helper() {}\n");
    s.commit(a, "v1");
    let rule = r#"src/**/*.rs !src/sys=(?m)#\[cfg\(feature = "nightly"\)\]\s*pub [^\n]*|^pub (?P<key>fn \w+|enum \w+)\s*(?P<value>\([^)]*\)|\{[^}]*)"#;
    s.realm(
        a,
        &[
            "export",
            "api",
            "--domain",
            "rust",
            "--extract-by-file",
            rule,
        ],
    )
    .ok();
    s.commit(a, "export api");
    let value = s.contract("rust", "api")["value"].clone();
    let value: serde_json::Value = serde_json::to_value(value).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "src/a.rs": {"fn parse": "(s: &str)", "fn run": "()"},
            "src/b.rs": {"enum Error": "{ Io, Parse"},
            "src/c.rs": {"enum Error": "{ Io, Timeout"},
        }),
        "the cfg-gated item and src/sys are left out"
    );

    // fungal uses parse; cli uses run.
    for (repo, used) in [
        ("fungal-image-analysis", r#""src/a.rs".fn parse"#),
        ("cli", r#""src/a.rs".fn run"#),
    ] {
        s.write(repo, "api.rs", "use aperture;\n");
        s.commit(repo, "use aperture");
        s.realm(
            repo,
            &[
                "import",
                "api",
                "--domain",
                "rust",
                "--requires",
                "^1",
                "--binding",
                "api.rs",
                "--uses",
                used,
            ],
        )
        .ok();
    }

    // An added function: minor.
    let mut code = std::fs::read_to_string(s.w.path(a).join("src/a.rs")).unwrap();
    code = code.replace("pub fn run() {}\n", "pub fn run() {}\npub fn render() {}\n");
    s.write(a, "src/a.rs", &code);
    s.commit(a, "render");
    sync_json(&s, a, &[], 0);
    assert_eq!(s.contract("rust", "api")["version"], "1.1.0");

    // Removing the disabled item changes nothing published.
    code = code.replace(
        "#[cfg(feature = \"nightly\")]\npub fn experimental() {}\n",
        "",
    );
    s.write(a, "src/a.rs", &code);
    s.commit(a, "drop nightly");
    let out = sync_json(&s, a, &[], 0);
    assert!(out.stdout.contains("Nothing to publish"), "{}", out.stdout);

    // A renamed function: major; it breaks cli (uses run), not fungal.
    code = code.replace("pub fn run()", "pub fn start()");
    s.write(a, "src/a.rs", &code);
    s.commit(a, "rename run");
    let check = s.realm(a, &["check", "--json"]).code(1).json();
    let export = &check["realms"][0]["exports"][0];
    assert_eq!(export["bump"], "major");
    let consumers = export["consumers"].as_array().unwrap();
    let cli = consumers.iter().find(|c| c["repo"] == "cli").unwrap();
    let fungal = consumers
        .iter()
        .find(|c| c["repo"] == "fungal-image-analysis")
        .unwrap();
    assert_eq!(cli["breaks"], true);
    assert_eq!(
        cli["broken_items"],
        serde_json::json!([r#""src/a.rs".fn run"#])
    );
    assert_eq!(fungal["breaks"], false);
    let out = sync_json(&s, a, &[], 3);
    assert!(out.stderr.contains("what cli rely on"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("fungal-image-analysis imports"),
        "{}",
        out.stderr
    );
    let out = sync_json(&s, a, &["--force"], 0);
    assert!(
        out.stdout
            .contains("fungal-image-analysis: uses nothing that changed"),
        "{}",
        out.stdout
    );
    assert_eq!(s.contract("rust", "api")["version"], "2.0.0");
    let check = s
        .realm("fungal-image-analysis", &["check", "--fetch", "--json"])
        .code(1)
        .json();
    let import = &check["realms"][0]["imports"][0];
    assert_eq!(import["state"], "stale");
    assert!(
        import["reason"]
            .as_str()
            .unwrap()
            .contains("widen the requirement"),
        "{import}"
    );
    let check = s
        .realm("cli", &["check", "--fetch", "--json"])
        .code(1)
        .json();
    let import = &check["realms"][0]["imports"][0];
    assert_eq!(import["state"], "grace");
    assert_eq!(
        import["broken_items"],
        serde_json::json!([r#""src/a.rs".fn run"#])
    );

    // fungal widens its requirement (a changed signature is what it uses next).
    s.realm(
        "fungal-image-analysis",
        &[
            "import",
            "api",
            "--domain",
            "rust",
            "--requires",
            ">=1",
            "--binding",
            "api.rs",
            "--uses",
            r#""src/a.rs".fn parse"#,
        ],
    )
    .ok();
    code = code.replace("parse(s: &str)", "parse(s: &str, strict: bool)");
    s.write(a, "src/a.rs", &code);
    s.commit(a, "strict parsing");
    let out = sync_json(&s, a, &[], 3);
    assert!(
        out.stderr
            .contains(r#"~ "src/a.rs".fn parse: (s: &str) → (s: &str, strict: bool)"#),
        "one line for a changed item: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("what fungal-image-analysis rely on"),
        "{}",
        out.stderr
    );
    sync_json(&s, a, &["--force"], 0);

    // A variant removed from the Error of one module, while another module has an
    // Error too: still a change, in that module.
    s.write(a, "src/c.rs", "pub enum Error { Io }\n");
    s.commit(a, "no timeouts");
    sync_json(&s, a, &[], 0);
    let contract = s.contract("rust", "api");
    assert_eq!(contract["version"], "4.0.0");
    let last = contract["changelog"]
        .as_sequence()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["changes"][0],
        r#"~ "src/c.rs".enum Error: { Io, Timeout → { Io"#
    );
    assert_eq!(last["changed"][0], r#""src/c.rs".enum Error"#);
    assert_eq!(last["commit"], s.w.rev(a, "HEAD").as_str());
}

#[test]
fn uncommitted_edits_and_feature_branches_are_never_published() {
    let s = three_repo_story();
    let a = "aperture";
    s.write(
        a,
        "Cargo.toml",
        "[package]\nname = \"x\"\n[features]\ndefault = [\"a\"]\nfast = []\n",
    );
    s.commit(a, "manifest");
    s.realm(
        a,
        &[
            "export",
            "features",
            "--domain",
            "rust",
            "--file",
            "Cargo.toml#/features",
        ],
    )
    .ok();
    s.commit(a, "export features");
    assert_eq!(
        serde_json::to_value(s.contract("rust", "features")["value"].clone()).unwrap(),
        serde_json::json!({"default": ["a"], "fast": []})
    );

    // An uncommitted edit and an untracked file: shown apart, never published.
    s.write(
        a,
        "Cargo.toml",
        "[package]\nname = \"x\"\n[features]\ndefault = [\"a\", \"fast\"]\nfast = []\n",
    );
    s.write(a, "notes.txt", "scratch\n");
    let check = s.realm(a, &["check", "--json"]).ok().json();
    let export = &check["realms"][0]["exports"][0];
    assert_eq!(
        export["uncommitted"],
        serde_json::json!(["+ default: fast"])
    );
    assert_eq!(export["next_version"], serde_json::Value::Null);
    let before = s.w.rev("letemcook.git", "main");
    let out = sync_json(&s, a, &[], 0);
    assert!(out.stdout.contains("Nothing to publish"), "{}", out.stdout);
    assert_eq!(s.w.rev("letemcook.git", "main"), before);
    s.w.git(a, &["checkout", "--", "Cargo.toml"]).ok();

    // Committed on a feature branch: sync says why it publishes nothing.
    s.w.git(a, &["checkout", "-q", "-b", "feat/fast"]).ok();
    s.write(
        a,
        "Cargo.toml",
        "[package]\nname = \"x\"\n[features]\ndefault = [\"a\"]\nfast = []\nsmall = []\n",
    );
    s.commit(a, "small");
    let out = sync_json(&s, a, &["--dry-run"], 0);
    assert!(
        out.stdout.contains("not published from branch feat/fast"),
        "{}",
        out.stdout
    );
    let out = sync_json(&s, a, &[], 0);
    assert!(out.stdout.contains("--from-branch"), "{}", out.stdout);
    assert_eq!(s.w.rev("letemcook.git", "main"), before);

    // With the flag it publishes, records the commit, and warns it is not pushed.
    let out = sync_json(&s, a, &["--from-branch"], 0);
    assert!(
        out.stdout.contains("features: 1.0.0 → 1.1.0 (minor)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("on no remote branch yet"),
        "{}",
        out.stdout
    );
    let contract = s.contract("rust", "features");
    assert_eq!(contract["commit"], s.w.rev(a, "HEAD").as_str());
    assert_eq!(
        contract["changelog"][1]["commit"],
        s.w.rev(a, "HEAD").as_str()
    );
    assert!(
        !s.w.realm_files("letemcook.git")
            .iter()
            .any(|f| f.contains("exports.yaml")),
        "sources stay in the provider's repository"
    );
    let binding =
        s.w.git(
            "letemcook.git",
            &["show", "main:domains/rust/bindings/aperture.yaml"],
        )
        .ok()
        .stdout;
    assert!(!binding.contains("source"), "{binding}");
}

#[test]
fn a_command_source_and_consumers_that_extract_what_they_use() {
    let s = three_repo_story();
    let a = "aperture";
    // A CLI's flags, printed by a program of the repository, one per line.
    s.w.write_exe(
        "aperture/tools/flags.sh",
        "#!/bin/sh\necho --port\necho --host\necho --verbose\necho \"env:${SECRET:-clean}\"\n",
    );
    s.commit(a, "flags");
    let mut cmd = s.w.command(
        &s.w.path(a),
        "git",
        &[
            "realm",
            "export",
            "flags",
            "--domain",
            "rust",
            "--command",
            "./tools/flags.sh",
        ],
    );
    cmd.envs(s.gh.env()).env("SECRET", "leaked");
    s.w.run_cmd(cmd).ok();
    s.commit(a, "export flags");
    assert_eq!(
        serde_json::to_value(s.contract("rust", "flags")["value"].clone()).unwrap(),
        serde_json::json!(["--host", "--port", "--verbose", "env:clean"]),
        "the command runs with a clean environment"
    );

    // cli's Procfile uses --port; the uses are recomputed from its committed code.
    s.write("cli", "Procfile", "web: app --port 80 --verbose\n");
    s.commit("cli", "procfile");
    s.realm(
        "cli",
        &[
            "import",
            "flags",
            "--domain",
            "rust",
            "--requires",
            "^1",
            "--binding",
            "Procfile",
            "--uses-extract",
            "Procfile=(--[a-z-]+)",
        ],
    )
    .ok();
    let binding =
        s.w.git(
            "letemcook.git",
            &["show", "main:domains/rust/bindings/cli.yaml"],
        )
        .ok()
        .stdout;
    assert!(binding.contains("- --port"), "{binding}");

    // Removing --host breaks nobody: published (major), cli stays stale.
    s.w.write_exe(
        "aperture/tools/flags.sh",
        "#!/bin/sh\necho --port\necho --verbose\necho env:clean\n",
    );
    s.commit(a, "no --host");
    sync_json(&s, a, &[], 0);
    assert_eq!(s.contract("rust", "flags")["version"], "2.0.0");
    let check = s
        .realm("cli", &["check", "--fetch", "--json"])
        .code(1)
        .json();
    assert_eq!(check["realms"][0]["imports"][0]["state"], "stale");

    // cli stops using --verbose (committed); then removing it breaks nobody either.
    s.write("cli", "Procfile", "web: app --port 80\n");
    s.commit("cli", "quiet");
    s.realm("cli", &["sync"]).ok();
    s.w.write_exe(
        "aperture/tools/flags.sh",
        "#!/bin/sh\necho --port\necho env:clean\n",
    );
    s.commit(a, "no --verbose");
    sync_json(&s, a, &[], 0);

    // Removing --port is refused: cli uses it.
    s.w.write_exe("aperture/tools/flags.sh", "#!/bin/sh\necho env:clean\n");
    s.commit(a, "no --port");
    let out = sync_json(&s, a, &[], 3);
    assert!(
        out.stderr.contains("cli imports rust/flags ^1") && out.stderr.contains("uses --port"),
        "{}",
        out.stderr
    );

    // A command that hangs is stopped.
    s.w.write_exe("aperture/tools/flags.sh", "#!/bin/sh\nsleep 30\n");
    s.commit(a, "slow");
    s.realm(
        a,
        &[
            "export",
            "flags",
            "--domain",
            "rust",
            "--command",
            "./tools/flags.sh",
            "--timeout",
            "1",
        ],
    )
    .ok();
    s.commit(a, "timeout");
    let check = s.realm(a, &["check", "--json"]).code(1).json();
    assert!(
        check["realms"][0]["exports"][0]["error"]
            .as_str()
            .unwrap()
            .contains("still running after 1s"),
        "{check}"
    );
}

#[test]
fn verify_compares_typed_values_of_the_used_items_across_files() {
    let s = literal_story();
    set_value(&s, r#"{"ports":[8080,9090],"debug":false,"name":"svc"}"#);
    s.realm("aperture", &["sync", "--force"]).ok();
    let f = "fungal-image-analysis";
    s.write(f, "deploy/a.yaml", "port: 8080\nname: svc\n");
    s.write(f, "deploy/b.yaml", "debug: false\n");
    s.commit(f, "deploy");
    let verify = r"(?m)^\w+: (?P<value>\S+)";
    // All items: 9090 is missing (a number is checked, not ignored).
    let out = s
        .realm(
            f,
            &[
                "import",
                "c",
                "--domain",
                "d",
                "--requires",
                "^2",
                "--binding",
                "deploy/a.yaml",
                "--verify",
                verify,
                "--verify-files",
                "deploy/*.yaml",
            ],
        )
        .ok();
    assert!(
        out.stdout.contains("does not provide: ports: 9090"),
        "{}",
        out.stdout
    );
    // Only what it uses: current.
    let out = s
        .realm(
            f,
            &[
                "import",
                "c",
                "--domain",
                "d",
                "--requires",
                "^2",
                "--binding",
                "deploy/a.yaml",
                "--verify",
                verify,
                "--verify-files",
                "deploy/*.yaml",
                "--uses",
                "ports: 8080",
                "--uses",
                "debug",
            ],
        )
        .ok();
    assert!(out.stdout.contains("c: current at 2.0.0"), "{}", out.stdout);
    s.realm(f, &["check"]).ok();
}

#[test]
fn a_stale_import_is_acknowledged_without_editing_files() {
    let s = literal_story();
    let f = "fungal-image-analysis";
    s.write(f, "policy.txt", "a b\n");
    s.commit(f, "policy");
    s.realm(
        f,
        &[
            "import",
            "c",
            "--domain",
            "d",
            "--requires",
            "^1",
            "--binding",
            "policy.txt",
        ],
    )
    .ok();
    set_value(&s, r#"{"read":["a","b","c"]}"#);
    s.realm("aperture", &["sync"]).ok();
    let check = s.realm(f, &["check", "--fetch", "--json"]).code(1).json();
    assert_eq!(check["realms"][0]["imports"][0]["state"], "stale");

    let out = s.realm(f, &["resolve", "d/c"]).ok();
    assert!(
        out.stdout
            .contains("d/c: resolved at 1.1.0, acknowledged by test@example.com"),
        "{}",
        out.stdout
    );
    s.realm(f, &["check"]).ok();
    let binding =
        s.w.git(
            "letemcook.git",
            &["show", &format!("main:domains/d/bindings/{f}.yaml")],
        )
        .ok()
        .stdout;
    assert!(
        binding.contains("acknowledged_by: test@example.com"),
        "{binding}"
    );
    assert!(binding.contains("resolved_version: 1.1.0"), "{binding}");
    let note =
        s.w.git(f, &["notes", "--ref", "realm", "show", "HEAD"])
            .ok()
            .stdout;
    assert!(
        note.contains("\"acknowledged_by\":\"test@example.com\""),
        "{note}"
    );
    assert!(note.contains("d/c@1.1.0"), "{note}");
    assert!(
        s.w.realm_log("letemcook.git")[0]
            .contains("resolve d/c@1.1.0 (acknowledged by test@example.com)")
    );
    // Again: nothing to do.
    let out = s.realm(f, &["resolve", "d/c"]).ok();
    assert!(
        out.stdout.contains("already resolved at 1.1.0"),
        "{}",
        out.stdout
    );
}

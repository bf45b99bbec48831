//! Coordinated changes, told as the design notes tell them: aperture needs a new S3
//! path that fungal-image-analysis must grant. One `git realm worktree` gives both
//! repos the same branch in a new worktree, `git realm commit` commits in both and
//! links the commits with notes, `git realm push` publishes branches and notes,
//! `git realm pr` opens the PRs provider first, and `pr status` notices when the
//! consumer is merged before its provider.

mod common;
mod support;

use common::{Run, World};
use support::GhDouble;

const APERTURE: &str = "aperture";
const FUNGAL: &str = "fungal-image-analysis";
const CHANGE: &str = "training-metrics-v2";
const BRANCH: &str = "feat/training-metrics-v2";
const STACK: &str = "cdk/training_tools_access_stack.py";

struct Story {
    w: World,
    gh: GhDouble,
}

impl Story {
    /// A realm, and aperture and fungal-image-analysis as members "on GitHub"
    /// (their registered urls), with local bare repositories as their origins.
    fn new() -> Story {
        let w = World::new();
        std::fs::create_dir_all(w.path("github")).unwrap();
        let gh = GhDouble::new(&w.path("github"));
        let s = Story { w, gh };
        let realm = s.w.bare_realm("letemcook");
        for name in [APERTURE, FUNGAL] {
            s.w.member(name);
            let url = format!("https://github.com/acme/{name}.git");
            s.realm(name, &["join", &realm, "--url", &url]).ok();
        }
        s
    }

    /// The s3-access domain: aperture exports s3-permissions, fungal imports it.
    fn with_contract(self) -> Story {
        self.realm(
            APERTURE,
            &[
                "domain",
                "create",
                "s3-access",
                "--repos",
                &format!("{APERTURE},{FUNGAL}"),
            ],
        )
        .ok();
        self.export(r#"{"read":["jobs/*/masks/*"]}"#);
        self.write(FUNGAL, STACK, "grants = [\"jobs/*/masks/*\"]\n");
        self.w.git(FUNGAL, &["add", STACK]).ok();
        self.w.git(FUNGAL, &["commit", "-q", "-m", "grants"]).ok();
        self.realm(
            FUNGAL,
            &[
                "import",
                "s3-permissions",
                "--domain",
                "s3-access",
                "--requires",
                ">=1.0.0",
                "--binding",
                STACK,
            ],
        )
        .ok();
        self
    }

    fn export(&self, value: &str) {
        self.realm(
            APERTURE,
            &[
                "export",
                "s3-permissions",
                "--domain",
                "s3-access",
                "--value",
                value,
            ],
        )
        .ok();
        // The source lives in aperture's repository, committed with its code.
        self.w
            .git(APERTURE, &["commit", "-q", "-m", "export s3-permissions"])
            .ok();
    }

    /// `git realm ARGS` in `dir`, with the gh double as `gh`.
    fn realm(&self, dir: &str, args: &[&str]) -> Run {
        self.w.realm_env(dir, args, &self.gh.env())
    }

    fn write(&self, dir: &str, path: &str, content: &str) {
        self.w.write(dir, path, content);
    }

    /// The change file on the realm's main branch.
    fn change(&self, id: &str) -> serde_yaml::Value {
        let text = self
            .w
            .git(
                "letemcook.git",
                &["show", &format!("main:changes/{id}.yaml")],
            )
            .ok()
            .stdout;
        serde_yaml::from_str(&text).unwrap()
    }

    /// The realm notes on `commit`, one JSON object per line.
    fn notes(&self, dir: &str, commit: &str) -> Vec<serde_json::Value> {
        self.w
            .git(dir, &["notes", "--ref", "realm", "show", commit])
            .ok()
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn pr_calls(&self, sub: &str) -> Vec<Vec<String>> {
        self.gh
            .calls()
            .into_iter()
            .filter(|c| c[0] == "pr" && c[1] == sub)
            .collect()
    }
}

/// `<repo>/.worktrees/<change>`, relative to the world.
fn wt(repo: &str, change: &str) -> String {
    format!("{repo}/.worktrees/{change}")
}

/// The value after `flag` in an argv.
fn flag<'a>(call: &'a [String], flag: &str) -> &'a str {
    let i = call.iter().position(|a| a == flag).unwrap();
    &call[i + 1]
}

#[test]
fn the_seeds_flow_end_to_end() {
    let s = Story::new().with_contract();
    let w = &s.w;

    // One command: the same branch in a new worktree of both repos of the domain.
    let out = s.realm(APERTURE, &["worktree", CHANGE]).ok();
    assert!(
        out.stdout
            .contains(&format!("Creating unified worktree '{BRANCH}'")),
        "{}",
        out.stdout
    );
    for repo in [APERTURE, FUNGAL] {
        let dir = wt(repo, CHANGE);
        assert!(w.path(&dir).is_dir(), "{dir}");
        assert_eq!(
            w.git(&dir, &["symbolic-ref", "--short", "HEAD"])
                .ok()
                .stdout
                .trim(),
            BRANCH
        );
        assert!(
            out.stdout
                .contains(&w.path(&dir).canonicalize().unwrap().display().to_string()),
            "{}",
            out.stdout
        );
        // `.worktrees/` is excluded once, so the main checkout stays clean.
        let exclude = std::fs::read_to_string(w.path(repo).join(".git/info/exclude")).unwrap();
        assert_eq!(exclude.lines().filter(|l| *l == ".worktrees/").count(), 1);
        assert_eq!(w.git(repo, &["status", "--porcelain"]).ok().stdout, "");
    }
    let change = s.change(CHANGE);
    assert_eq!(change["branch"], BRANCH);
    assert_eq!(change["repos"][0], APERTURE);
    assert_eq!(change["repos"][1], FUNGAL);
    assert_eq!(change["domains"][0], "s3-access");
    assert_eq!(change["status"], "open");
    assert_eq!(
        w.realm_log("letemcook.git")[0],
        format!("{APERTURE}: start change {CHANGE}")
    );

    // Re-running changes nothing.
    let again = s.realm(APERTURE, &["worktree", CHANGE]).ok();
    assert!(again.stdout.contains("already there"), "{}", again.stdout);
    assert_eq!(
        w.realm_log("letemcook.git")[0],
        format!("{APERTURE}: start change {CHANGE}")
    );
    let listed = s.realm(FUNGAL, &["worktree", "list", "--json"]).ok().json();
    assert_eq!(listed["changes"][0]["id"], CHANGE);
    assert_eq!(listed["changes"][0]["repos"][0]["exists"], true);
    assert_eq!(listed["changes"][0]["repos"][1]["exists"], true);
    // status names the open change this repo takes part in.
    let status = s.realm(FUNGAL, &["status", "--json"]).ok().json();
    assert_eq!(status["realms"][0]["changes"][0]["id"], CHANGE);
    assert_eq!(
        status["realms"][0]["changes"][0]["branch"],
        format!("feat/{CHANGE}")
    );

    // Edits in both worktrees, one coordinated commit from either of them.
    s.write(
        &wt(APERTURE, CHANGE),
        "models/training/metrics_exporter.py",
        "write(\"s3://bucket/training-metrics/*\")\n",
    );
    s.write(
        &wt(FUNGAL, CHANGE),
        STACK,
        "grants = [\"jobs/*/masks/*\", \"training-metrics/*\"]\n",
    );
    w.git(&wt(APERTURE, CHANGE), &["add", "."]).ok();
    let message = "feat: add experiment metrics with IAM support";
    let out = s
        .realm(&wt(FUNGAL, CHANGE), &["commit", "-a", "-m", message])
        .ok();
    assert!(out.stdout.contains("Committed:"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Files: models/training/metrics_exporter.py"),
        "{}",
        out.stdout
    );
    let a = w.rev(&wt(APERTURE, CHANGE), "HEAD");
    let f = w.rev(&wt(FUNGAL, CHANGE), "HEAD");
    assert_ne!(a, w.rev(APERTURE, "main"));
    assert_ne!(f, w.rev(FUNGAL, "main"));
    for (dir, commit, repo) in [(APERTURE, &a, APERTURE), (FUNGAL, &f, FUNGAL)] {
        assert_eq!(
            w.git(dir, &["log", "-1", "--format=%s", commit])
                .ok()
                .stdout
                .trim(),
            message
        );
        // Each commit's note names the change and links both commits.
        let notes = s.notes(dir, commit);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0]["change"], CHANGE);
        assert_eq!(notes[0]["realm"], "letemcook");
        assert_eq!(notes[0]["repo"], repo);
        assert_eq!(notes[0]["domains"], serde_json::json!(["s3-access"]));
        assert_eq!(
            notes[0]["commits"],
            serde_json::json!([format!("{APERTURE}@{a}"), format!("{FUNGAL}@{f}")])
        );
    }
    let change = s.change(CHANGE);
    assert_eq!(change["commits"][0]["repo"], APERTURE);
    assert_eq!(change["commits"][0]["commit"], a.as_str());
    assert_eq!(change["commits"][1]["repo"], FUNGAL);
    assert_eq!(change["commits"][1]["commit"], f.as_str());

    // Push: branches and notes arrive in both origins.
    let out = s.realm(&wt(APERTURE, CHANGE), &["push"]).ok();
    assert!(
        out.stdout
            .contains(&format!("✓ {APERTURE}: {BRANCH} → origin")),
        "{}",
        out.stdout
    );
    for (repo, commit) in [(APERTURE, &a), (FUNGAL, &f)] {
        let origin = format!("remotes/{repo}.git");
        assert_eq!(&w.rev(&origin, BRANCH), commit);
        let notes = w
            .git(&origin, &["notes", "--ref", "realm", "show", commit])
            .ok()
            .stdout;
        assert!(
            notes.contains(&format!("\"change\":\"{CHANGE}\"")),
            "{notes}"
        );
        // The branch tracks origin now.
        assert_eq!(
            w.git(
                &wt(repo, CHANGE),
                &["rev-parse", "--abbrev-ref", "@{upstream}"]
            )
            .ok()
            .stdout
            .trim(),
            format!("origin/{BRANCH}")
        );
    }

    // PRs: provider first, bodies linking each other, the consumer blocked by the provider.
    let dry = s.realm(&wt(APERTURE, CHANGE), &["pr", "--dry-run"]).ok();
    assert!(
        dry.stdout.contains("gh pr create --repo acme/aperture"),
        "{}",
        dry.stdout
    );
    assert!(s.gh.calls().is_empty(), "a dry run runs no gh");
    let out = s.realm(&wt(APERTURE, CHANGE), &["pr"]).ok();
    let creates = s.pr_calls("create");
    let slugs: Vec<&str> = creates.iter().map(|c| flag(c, "--repo")).collect();
    assert_eq!(slugs, ["acme/aperture", "acme/fungal-image-analysis"]);
    for c in &creates {
        assert_eq!(flag(c, "--head"), BRANCH);
        assert_eq!(flag(c, "--base"), "main");
        assert_eq!(flag(c, "--title"), message);
    }
    let aperture_pr = s.gh.repo("acme/aperture")["pulls"][0].clone();
    let fungal_pr = s.gh.repo("acme/fungal-image-analysis")["pulls"][0].clone();
    let (a_url, f_url) = (
        aperture_pr["url"].as_str().unwrap().to_owned(),
        fungal_pr["url"].as_str().unwrap().to_owned(),
    );
    let a_body = aperture_pr["body"].as_str().unwrap();
    let f_body = fungal_pr["body"].as_str().unwrap();
    assert!(a_body.contains(&f_url), "{a_body}");
    assert!(
        a_body.contains("Nothing in this change needs to merge before this one"),
        "{a_body}"
    );
    assert!(f_body.contains(&a_url), "{f_body}");
    assert!(
        f_body.contains(&format!(
            "**Merge first:** **aperture** ({a_url}), which provides s3-access/s3-permissions"
        )),
        "{f_body}"
    );
    assert!(
        out.stdout.contains("Blocked by: aperture#1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Merge order: aperture#1 → fungal-image-analysis#1"),
        "{}",
        out.stdout
    );
    let change = s.change(CHANGE);
    assert_eq!(change["merge_order"][0], APERTURE);
    assert_eq!(change["merge_order"][1], FUNGAL);
    assert_eq!(change["prs"][0]["url"], a_url.as_str());
    assert_eq!(change["prs"][1]["url"], f_url.as_str());

    // Status: both open, the order respected so far.
    let status = s
        .realm(
            &wt(FUNGAL, CHANGE),
            &["pr", "status", "--json", "--exit-code"],
        )
        .ok()
        .json();
    assert_eq!(status["order_respected"], true);
    assert_eq!(status["prs"][0]["state"], "OPEN");
    assert_eq!(
        status["prs"][1]["blocked_by"],
        serde_json::json!([APERTURE])
    );

    // The PR gate in the consumer's worktree: its provider's PR must merge first.
    let gate = s
        .realm(&wt(FUNGAL, CHANGE), &["check", "--json"])
        .code(1)
        .json();
    let change = &gate["realms"][0]["change"];
    assert_eq!(change["change"], CHANGE, "{gate}");
    assert_eq!(change["prs_opened"], true);
    assert_eq!(change["waiting_on"][0]["repo"], APERTURE, "{gate}");
    assert_eq!(change["waiting_on"][0]["url"], a_url.as_str());
    assert_eq!(change["waiting_on"][0]["state"], "OPEN");
    let annotated = s
        .realm(&wt(FUNGAL, CHANGE), &["check", "--format", "github"])
        .code(1);
    assert!(
        annotated.stdout.contains(&format!(
            "::error title=merge order::change '{CHANGE}'%3A merge {a_url} first"
        )) || annotated.stdout.contains(&format!(
            "::error title=merge order::change '{CHANGE}': merge {a_url} first"
        )),
        "{}",
        annotated.stdout
    );
    // The provider waits for nobody; in CI, the branch comes from the CI's variables.
    let provider = s
        .realm(APERTURE, &["check", "--json", "--branch", BRANCH])
        .json();
    assert_eq!(
        provider["realms"][0]["change"]["waiting_on"],
        serde_json::json!([])
    );

    // The consumer merged before its provider: flagged.
    s.gh.merge("acme/fungal-image-analysis", 1);
    let status = s
        .realm(
            &wt(FUNGAL, CHANGE),
            &["pr", "status", "--json", "--exit-code"],
        )
        .code(1)
        .json();
    assert_eq!(status["order_respected"], false);
    assert_eq!(status["violations"][0]["consumer"], FUNGAL);
    assert_eq!(status["violations"][0]["provider"], APERTURE);
    let text = s.realm(&wt(APERTURE, CHANGE), &["pr", "status"]).ok();
    assert!(
        text.stdout
            .contains("Merge order violated: fungal-image-analysis#1 was merged before aperture#1"),
        "{}",
        text.stdout
    );
}

#[test]
fn pr_is_idempotent_and_never_opens_a_second_pr() {
    let s = Story::new().with_contract();
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.write(&wt(APERTURE, CHANGE), "a.txt", "a\n");
    s.w.git(&wt(APERTURE, CHANGE), &["add", "a.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: a"])
        .ok();
    s.realm(&wt(APERTURE, CHANGE), &["push"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["pr", "--draft"]).ok();
    assert_eq!(s.pr_calls("create").len(), 2);
    assert!(
        s.pr_calls("create")
            .iter()
            .all(|c| c.contains(&"--draft".to_owned()))
    );
    // Only aperture's body was sent before fungal's PR existed: it alone is edited.
    assert_eq!(s.pr_calls("edit").len(), 1);

    // A re-run edits both, opens nothing.
    let out = s
        .realm(&wt(FUNGAL, CHANGE), &["pr", "--title", "feat: metrics v2"])
        .ok();
    assert_eq!(s.pr_calls("create").len(), 2, "{}", out.stdout);
    let edits = s.pr_calls("edit");
    assert_eq!(edits.len(), 3);
    assert!(
        edits[1..]
            .iter()
            .all(|c| flag(c, "--title") == "feat: metrics v2")
    );
    assert_eq!(
        s.gh.repo("acme/fungal-image-analysis")["pulls"][0]["title"],
        "feat: metrics v2"
    );

    // A run that died after opening the PRs but before recording them: the realm
    // forgets them, and the re-run finds them with `gh pr list` instead of opening more.
    let text =
        s.w.git(
            "letemcook.git",
            &["show", &format!("main:changes/{CHANGE}.yaml")],
        )
        .ok()
        .stdout;
    let forgotten: String = {
        let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        doc["prs"] = serde_yaml::Value::Sequence(Vec::new());
        serde_yaml::to_string(&doc).unwrap()
    };
    s.w.edit_realm(
        "letemcook.git",
        &[(&format!("changes/{CHANGE}.yaml"), &forgotten)],
    );
    s.realm(APERTURE, &["pr", "--change", CHANGE]).ok();
    assert_eq!(s.pr_calls("create").len(), 2);
    assert_eq!(s.pr_calls("list").len(), 4);
    assert_eq!(s.change(CHANGE)["prs"].as_sequence().unwrap().len(), 2);

    // The dry run names the edits it would make, and runs nothing.
    let before = s.gh.calls().len();
    let dry = s
        .realm(APERTURE, &["pr", "--change", CHANGE, "--dry-run"])
        .ok();
    assert!(
        dry.stdout.contains("gh pr edit 1 --repo acme/aperture"),
        "{}",
        dry.stdout
    );
    assert_eq!(s.gh.calls().len(), before);
}

/// What people write in a PR survives `git realm pr`: only git-realm's marked
/// block is replaced, titles change only when asked, and a branch ahead of origin
/// is pushed first (or, with `--no-push`, named in a warning).
#[test]
fn pr_keeps_what_people_wrote_and_pushes_what_is_ahead() {
    let s = Story::new().with_contract();
    let w = &s.w;
    let a_wt = wt(APERTURE, CHANGE);
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.write(&a_wt, "a.txt", "a\n");
    w.git(&a_wt, &["add", "a.txt"]).ok();
    s.realm(&a_wt, &["commit", "-m", "feat: a"]).ok();
    // Not pushed yet: `pr` pushes both branches first.
    let out = s.realm(&a_wt, &["pr"]).ok();
    assert!(
        out.stdout.contains(&format!(
            "aperture: pushed {BRANCH} to origin (2 new commits)"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        w.rev(&format!("remotes/{APERTURE}.git"), BRANCH),
        w.rev(&a_wt, "HEAD")
    );

    // People edit the PRs on GitHub: aperture's around git-realm's block, and
    // fungal's body is replaced by hand, block and all.
    let mut state = s.gh.state();
    let a_pr = &mut state["repos"]["acme/aperture"]["pulls"][0];
    let block = a_pr["body"].as_str().unwrap().to_owned();
    assert!(block.starts_with("<!-- git-realm:begin -->"), "{block}");
    a_pr["body"] = format!("Why: the masks.\n\n{block}\nReviewer: LGTM\n").into();
    a_pr["title"] = "Masks for training metrics".into();
    let f_pr = &mut state["repos"]["acme/fungal-image-analysis"]["pulls"][0];
    f_pr["body"] = "Hand-written, no links.".into();
    std::fs::write(&s.gh.state, state.to_string()).unwrap();

    // One more commit, not pushed: --no-push names the repo and the count.
    s.write(&a_wt, "b.txt", "b\n");
    w.git(&a_wt, &["add", "b.txt"]).ok();
    w.git(&a_wt, &["commit", "-q", "-m", "feat: b"]).ok();
    let edits_before = s.pr_calls("edit").len();
    let out = s.realm(&a_wt, &["pr", "--no-push"]).ok();
    assert!(
        out.stderr.contains(&format!(
            "aperture: {BRANCH} has 1 commit that origin does not have (not pushed: --no-push)"
        )),
        "{}",
        out.stderr
    );
    assert_ne!(
        w.rev(&format!("remotes/{APERTURE}.git"), BRANCH),
        w.rev(&a_wt, "HEAD")
    );
    // aperture's block is current: not edited; fungal's gets the block appended.
    let edits = s.pr_calls("edit");
    assert_eq!(edits.len(), edits_before + 1, "{edits:?}");
    let last = edits.last().unwrap();
    assert_eq!(flag(last, "--repo"), "acme/fungal-image-analysis");
    assert!(!last.contains(&"--title".to_owned()), "{last:?}");
    let a_pr = s.gh.repo("acme/aperture")["pulls"][0].clone();
    assert_eq!(a_pr["title"], "Masks for training metrics");
    assert_eq!(
        a_pr["body"],
        format!("Why: the masks.\n\n{block}\nReviewer: LGTM\n").as_str()
    );
    let f_body = s.gh.repo("acme/fungal-image-analysis")["pulls"][0]["body"].clone();
    let f_body = f_body.as_str().unwrap();
    assert!(
        f_body.starts_with("Hand-written, no links.\n\n<!-- git-realm:begin -->"),
        "{f_body}"
    );
    assert!(f_body.contains("**Merge first:** **aperture**"), "{f_body}");

    // Without --no-push the commit is pushed; titles and text still stay.
    let out = s.realm(&a_wt, &["pr", "--json"]).ok().json();
    assert_eq!(out["prs"][0]["pushed"], 1, "{out}");
    assert_eq!(out["prs"][0]["title"], "Masks for training metrics");
    assert_eq!(
        w.rev(&format!("remotes/{APERTURE}.git"), BRANCH),
        w.rev(&a_wt, "HEAD")
    );
    assert_eq!(
        s.gh.repo("acme/aperture")["pulls"][0]["title"],
        "Masks for training metrics"
    );

    // Retitling is asked for: the default title (the last commit's subject).
    let dry = s.realm(&a_wt, &["pr", "-n", "--update-title"]).ok();
    assert!(
        dry.stdout
            .contains("gh pr edit 1 --repo acme/aperture --title 'feat: b'"),
        "{}",
        dry.stdout
    );
    s.realm(&a_wt, &["pr", "--update-title"]).ok();
    let a_pr = s.gh.repo("acme/aperture")["pulls"][0].clone();
    assert_eq!(a_pr["title"], "feat: b");
    assert!(
        a_pr["body"].as_str().unwrap().ends_with("Reviewer: LGTM\n"),
        "{a_pr}"
    );
}

/// `pr status` from any member checkout, with what `gh pr status` shows.
/// A `pr` run whose pull requests could not be opened says so, and does not claim
/// they are linked; the common options work before `pr`'s own subcommand too.
#[test]
fn pr_that_opens_nothing_does_not_say_the_prs_are_linked() {
    let s = Story::new().with_contract();
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    let mut env = s.gh.env();
    env.push(("GH_DOUBLE_FAIL".into(), "pr create".into()));
    let failed = s.w.realm_env(&wt(APERTURE, CHANGE), &["pr"], &env).code(4);
    assert!(
        !failed.stdout.contains("PRs are linked"),
        "{}",
        failed.stdout
    );
    assert!(
        failed
            .stdout
            .contains("(2 of 2 pull requests not opened or updated)"),
        "{}",
        failed.stdout
    );
    let linked = s.realm(&wt(APERTURE, CHANGE), &["pr"]).ok();
    assert!(
        linked.stdout.contains("PRs are linked. Merge order:"),
        "{}",
        linked.stdout
    );

    // `git realm --json pr status` and `git realm pr --json status` are
    // `git realm pr status --json`.
    for args in [
        &["--json", "pr", "status", "--change", CHANGE][..],
        &["pr", "--json", "status", "--change", CHANGE],
        &["pr", "--change", CHANGE, "-q", "--json", "status"],
    ] {
        let status = s.realm(FUNGAL, args).ok().json();
        assert_eq!(status["change"], CHANGE, "{args:?}: {status}");
        assert_eq!(status["prs"].as_array().unwrap().len(), 2, "{status}");
    }
    // Something that is not a common option before it is still refused.
    let bad = s.realm(FUNGAL, &["pr", "--draft", "status"]).code(2);
    assert!(
        bad.stderr.contains("cannot be used with '--draft'"),
        "{}",
        bad.stderr
    );
}

#[test]
fn pr_status_shows_checks_reviews_and_mergeability_from_any_checkout() {
    let s = Story::new().with_contract();
    let w = &s.w;
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["pr", "--draft"]).ok();
    let mut state = s.gh.state();
    let a_pr = &mut state["repos"]["acme/aperture"]["pulls"][0];
    a_pr["draft"] = false.into();
    a_pr["checks"] = serde_json::json!([
        {"__typename": "CheckRun", "name": "ci", "status": "COMPLETED", "conclusion": "SUCCESS"},
        {"__typename": "CheckRun", "name": "lint", "status": "IN_PROGRESS", "conclusion": ""},
        {"__typename": "StatusContext", "context": "deploy", "state": "FAILURE"}
    ]);
    a_pr["reviewDecision"] = "APPROVED".into();
    let f_pr = &mut state["repos"]["acme/fungal-image-analysis"]["pulls"][0];
    f_pr["reviewDecision"] = "CHANGES_REQUESTED".into();
    f_pr["mergeable"] = "CONFLICTING".into();
    std::fs::write(&s.gh.state, state.to_string()).unwrap();

    // A member that takes no part in the change, outside any worktree.
    w.member("ml-infra");
    w.realm(
        "ml-infra",
        &["join", &w.path("letemcook.git").display().to_string()],
    )
    .ok();
    let out = s.realm("ml-infra", &["pr", "status"]).code(2);
    assert!(out.stderr.contains("--change CHANGE"), "{}", out.stderr);
    for dir in ["ml-infra", FUNGAL] {
        let status = s
            .realm(dir, &["pr", "status", "--change", CHANGE, "--json"])
            .ok()
            .json();
        let a = &status["prs"][0];
        assert_eq!(a["repo"], APERTURE, "{status}");
        assert_eq!(a["state"], "OPEN");
        assert_eq!(a["draft"], false);
        assert_eq!(
            a["checks"],
            serde_json::json!({"total": 3, "pass": 1, "fail": 1, "pending": 1, "failing": ["deploy"]})
        );
        assert_eq!(a["review_decision"], "APPROVED");
        assert_eq!(a["mergeable"], "MERGEABLE");
        let f = &status["prs"][1];
        assert_eq!(f["draft"], true);
        assert_eq!(f["checks"]["total"], 0);
        assert_eq!(f["review_decision"], "CHANGES_REQUESTED");
        assert_eq!(f["mergeable"], "CONFLICTING");
    }
    let text = s
        .realm(APERTURE, &["pr", "status", "--change", CHANGE])
        .ok()
        .stdout;
    assert!(
        text.contains(
            "checks: 1 passed, 1 failing (deploy), 1 pending · review: approved · mergeable"
        ),
        "{text}"
    );
    assert!(
        text.contains("fungal-image-analysis#1: open (draft) — merge aperture#1 first"),
        "{text}"
    );
    assert!(
        text.contains("no checks · review: changes requested · merge conflicts"),
        "{text}"
    );
    // Failing checks are reported, not an exit status: --exit-code is the merge order.
    s.realm(
        APERTURE,
        &["pr", "status", "--change", CHANGE, "--exit-code"],
    )
    .ok();
}

#[test]
fn a_commit_interrupted_by_a_hook_is_completed_by_the_same_command() {
    let s = Story::new().with_contract();
    let w = &s.w;
    s.realm(FUNGAL, &["worktree", CHANGE]).ok();
    let hook = w.path(FUNGAL).join(".git/hooks/pre-commit");
    w.write_exe(
        &format!("{FUNGAL}/.git/hooks/pre-commit"),
        "#!/bin/sh\necho 'lint: trailing whitespace in cdk/' >&2\nexit 1\n",
    );
    for repo in [APERTURE, FUNGAL] {
        s.write(&wt(repo, CHANGE), "change.txt", &format!("{repo}\n"));
        w.git(&wt(repo, CHANGE), &["add", "change.txt"]).ok();
    }
    let a0 = w.rev(&wt(APERTURE, CHANGE), "HEAD");
    let f0 = w.rev(&wt(FUNGAL, CHANGE), "HEAD");

    let message = "feat: it's coordinated";
    let out = s
        .realm(&wt(APERTURE, CHANGE), &["commit", "-m", message])
        .code(4);
    assert!(
        out.stderr
            .contains("commit failed in fungal-image-analysis"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("lint: trailing whitespace"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(r#"re-run `git realm commit -m 'feat: it'\''s coordinated'`"#),
        "{}",
        out.stderr
    );
    // aperture stays committed, fungal is untouched and still staged.
    let a1 = w.rev(&wt(APERTURE, CHANGE), "HEAD");
    assert_ne!(a1, a0);
    assert_eq!(w.rev(&wt(FUNGAL, CHANGE), "HEAD"), f0);
    assert_eq!(
        w.git(&wt(FUNGAL, CHANGE), &["diff", "--cached", "--name-only"])
            .ok()
            .stdout
            .trim(),
        "change.txt"
    );
    assert_eq!(s.change(CHANGE)["commits"].as_sequence().unwrap().len(), 1);

    // Fixed; the same command completes the round without committing aperture again.
    std::fs::remove_file(hook).unwrap();
    let out = s
        .realm(&wt(APERTURE, CHANGE), &["commit", "-m", message])
        .ok();
    assert!(
        out.stdout.contains("Already committed by this round"),
        "{}",
        out.stdout
    );
    assert_eq!(w.rev(&wt(APERTURE, CHANGE), "HEAD"), a1);
    let f1 = w.rev(&wt(FUNGAL, CHANGE), "HEAD");
    assert_ne!(f1, f0);
    let linked = serde_json::json!([format!("{APERTURE}@{a1}"), format!("{FUNGAL}@{f1}")]);
    for (dir, commit) in [(APERTURE, &a1), (FUNGAL, &f1)] {
        let notes = s.notes(dir, commit);
        assert!(notes.iter().any(|n| n["commits"] == linked), "{notes:?}");
    }
    let commits = s.change(CHANGE)["commits"].clone();
    assert_eq!(commits.as_sequence().unwrap().len(), 2);
    assert_eq!(commits[1]["commit"], f1.as_str());

    // The round is complete: the same message again is a new round with nothing
    // to commit, which never re-links the commits of the finished one.
    let out = s
        .realm(&wt(APERTURE, CHANGE), &["commit", "-m", message])
        .code(2);
    assert!(out.stderr.contains("nothing to commit"), "{}", out.stderr);
    assert_eq!(w.rev(&wt(FUNGAL, CHANGE), "HEAD"), f1);
    // A new message with nothing staged is an error, not an empty commit.
    let out = s
        .realm(&wt(APERTURE, CHANGE), &["commit", "-m", "another"])
        .code(2);
    assert!(out.stderr.contains("nothing to commit"), "{}", out.stderr);
}

#[test]
fn worktree_remove_refuses_to_drop_uncommitted_or_unpushed_work() {
    let s = Story::new().with_contract();
    let w = &s.w;
    s.realm(APERTURE, &["worktree", CHANGE]).ok();

    // Uncommitted: refused, nothing removed.
    s.write(&wt(FUNGAL, CHANGE), "scratch.txt", "wip\n");
    let out = s.realm(APERTURE, &["worktree", "remove", CHANGE]).code(3);
    assert!(
        out.stderr.contains("fungal-image-analysis:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("uncommitted changes"), "{}", out.stderr);
    assert!(w.path(&wt(APERTURE, CHANGE)).is_dir());
    assert!(w.path(&wt(FUNGAL, CHANGE)).is_dir());
    std::fs::remove_file(w.path(&wt(FUNGAL, CHANGE)).join("scratch.txt")).unwrap();

    // Committed but not pushed: refused.
    s.write(&wt(APERTURE, CHANGE), "a.txt", "a\n");
    w.git(&wt(APERTURE, CHANGE), &["add", "a.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: a"])
        .ok();
    let out = s.realm(APERTURE, &["worktree", "remove", CHANGE]).code(3);
    assert!(
        out.stderr
            .contains(&format!("{BRANCH} has 1 commit(s) not on any remote")),
        "{}",
        out.stderr
    );
    assert!(w.path(&wt(FUNGAL, CHANGE)).is_dir());

    // Pushed: removed everywhere, branches kept.
    s.realm(&wt(APERTURE, CHANGE), &["push"]).ok();
    let commit = w.rev(&wt(APERTURE, CHANGE), "HEAD");
    let out = s.realm(FUNGAL, &["worktree", "remove", CHANGE]).ok();
    assert!(out.stdout.contains("✓ aperture: removed"), "{}", out.stdout);
    for repo in [APERTURE, FUNGAL] {
        assert!(!w.path(&wt(repo, CHANGE)).exists());
        assert!(!w.rev(repo, BRANCH).is_empty(), "{repo} keeps {BRANCH}");
    }
    let listed = s
        .realm(APERTURE, &["worktree", "list", "--json"])
        .ok()
        .json();
    assert_eq!(listed["changes"][0]["repos"][0]["exists"], false);

    // The worktrees come back on the kept branch, and --force drops dirty work.
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    assert_eq!(w.rev(&wt(APERTURE, CHANGE), "HEAD"), commit);
    s.write(&wt(APERTURE, CHANGE), "a.txt", "changed\n");
    s.realm(APERTURE, &["worktree", "remove", CHANGE]).code(3);
    s.realm(APERTURE, &["worktree", "remove", CHANGE, "--force"])
        .ok();
    assert!(!w.path(&wt(APERTURE, CHANGE)).exists());
}

#[test]
fn sixteen_repos_get_their_worktrees_at_once() {
    let w = World::new();
    let realm = w.bare_realm("wide");
    let names: Vec<String> = (0..16).map(|i| format!("svc-{i:02}")).collect();
    for n in &names {
        w.member(n);
        w.realm(n, &["join", &realm]).ok();
    }
    w.realm(
        &names[0],
        &["domain", "create", "platform", "--repos", &names.join(",")],
    )
    .ok();
    let out = w
        .realm(
            &names[0],
            &["worktree", "rollout", "--domain", "platform", "--json"],
        )
        .ok()
        .json();
    let repos = out["repos"].as_array().unwrap();
    assert_eq!(repos.len(), 16);
    assert!(repos.iter().all(|r| r["outcome"] == "created"), "{out}");
    for n in &names {
        let dir = format!("{n}/.worktrees/rollout");
        assert_eq!(
            w.git(&dir, &["symbolic-ref", "--short", "HEAD"])
                .ok()
                .stdout
                .trim(),
            "feat/rollout"
        );
    }
    let change = w
        .git("wide.git", &["show", "main:changes/rollout.yaml"])
        .ok()
        .stdout;
    for n in &names {
        assert!(change.contains(&format!("- {n}\n")), "{change}");
    }
}

#[test]
fn a_repo_without_a_local_checkout_is_named_or_cloned() {
    let s = Story::new().with_contract();
    let w = &s.w;
    // ml-infra joined from a checkout that is gone since.
    w.member("ml-infra");
    w.realm(
        "ml-infra",
        &["join", &w.path("letemcook.git").display().to_string()],
    )
    .ok();
    std::fs::remove_dir_all(w.path("ml-infra")).unwrap();

    let repos = format!("{APERTURE},ml-infra");
    let out = s
        .realm(APERTURE, &["worktree", "infra", "--repos", &repos])
        .code(2);
    assert!(
        out.stderr.contains("no local checkout of ml-infra"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--clone"), "{}", out.stderr);
    assert!(
        !w.realm_files("letemcook.git")
            .contains(&"changes/infra.yaml".to_owned())
    );

    let out = s
        .realm(
            APERTURE,
            &["worktree", "infra", "--repos", &repos, "--clone"],
        )
        .ok();
    assert!(
        out.stdout.contains("Cloned ml-infra from"),
        "{}",
        out.stdout
    );
    assert!(w.path("ml-infra/.worktrees/infra").is_dir());
    assert_eq!(
        w.git("ml-infra", &["config", "realm.letemcook.member"])
            .ok()
            .stdout
            .trim(),
        "ml-infra"
    );
    let index = std::fs::read_to_string(w.path("home/.config/git-realm/index.yaml")).unwrap();
    let clone = w.path("ml-infra").canonicalize().unwrap();
    assert!(index.contains(&clone.display().to_string()), "{index}");
    // The clone is a member: realm commands work in it.
    s.realm("ml-infra/.worktrees/infra", &["worktree", "list"])
        .ok();

    // ml-infra is not on GitHub: its PR is skipped with a clear line, aperture's is
    // opened once its branch is pushed (`pr` pushes it, unless told not to).
    let out = s
        .realm("ml-infra/.worktrees/infra", &["pr", "--no-push"])
        .code(4);
    assert!(
        out.stdout
            .contains("feat/infra is not on origin yet: run `git realm push` first"),
        "{}",
        out.stdout
    );
    assert!(s.pr_calls("create").is_empty());
    let out = s.realm("ml-infra/.worktrees/infra", &["pr"]).ok();
    assert!(
        out.stdout.contains("aperture: pushed feat/infra to origin"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("ml-infra: pushed"),
        "a repo not on GitHub has no PR to push for: {}",
        out.stdout
    );
    assert!(out.stdout.contains("⚠ not on GitHub"), "{}", out.stdout);
    let creates = s.pr_calls("create");
    assert_eq!(creates.len(), 1);
    assert_eq!(flag(&creates[0], "--repo"), "acme/aperture");
    let body = s.gh.repo("acme/aperture")["pulls"][0]["body"].clone();
    assert!(
        body.as_str()
            .unwrap()
            .contains("**ml-infra**: (not on GitHub: no pull request)"),
        "{body}"
    );
}

#[test]
fn a_dependency_cycle_has_no_merge_order_and_is_named() {
    let s = Story::new().with_contract();
    // fungal now provides something aperture imports: a cycle.
    s.realm(
        FUNGAL,
        &[
            "export",
            "bucket-names",
            "--domain",
            "s3-access",
            "--value",
            r#"["b"]"#,
        ],
    )
    .ok();
    s.write(APERTURE, "buckets.txt", "b\n");
    s.w.git(APERTURE, &["add", "buckets.txt"]).ok();
    s.w.git(APERTURE, &["commit", "-q", "-m", "buckets"]).ok();
    s.realm(
        APERTURE,
        &[
            "import",
            "bucket-names",
            "--domain",
            "s3-access",
            "--requires",
            "^1",
            "--binding",
            "buckets.txt",
        ],
    )
    .ok();
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    let out = s.realm(&wt(APERTURE, CHANGE), &["pr"]).code(2);
    assert!(
        out.stderr
            .contains("cycle: aperture → fungal-image-analysis → aperture"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("s3-access/s3-permissions"),
        "{}",
        out.stderr
    );
    assert!(s.gh.calls().is_empty());
    s.realm(&wt(APERTURE, CHANGE), &["pr", "--dry-run"]).code(2);
}

#[test]
fn watch_once_tells_a_consumer_what_concerns_it() {
    let s = Story::new().with_contract();
    // Nothing moved since fungal's last realm operation.
    let out = s.realm(FUNGAL, &["watch", "--once"]).ok();
    assert!(out.stdout.contains("has not moved"), "{}", out.stdout);

    // The provider publishes a new version.
    s.export(r#"{"read":["jobs/*/masks/*","training-metrics/*"]}"#);
    s.realm(APERTURE, &["sync", "--no-notify"]).ok();
    let out = s.realm(FUNGAL, &["watch", "--once"]).code(1);
    assert!(
        out.stdout
            .contains("s3-access/s3-permissions: 1.0.0 → 1.1.0 (from aperture)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1.1.0: + read: training-metrics/*"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "Test User <test@example.com> [sync]: aperture: sync s3-access/s3-permissions@1.1.0"
        ),
        "{}",
        out.stdout
    );
    // Seen: the next poll is quiet again.
    s.realm(FUNGAL, &["watch", "--once"]).ok();

    // A change fungal takes part in: starting it here updates fungal's realm copy
    // too, but aperture's commits in it are news.
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.realm(FUNGAL, &["watch", "--once"]).ok();
    s.write(&wt(APERTURE, CHANGE), "a.txt", "a\n");
    s.w.git(&wt(APERTURE, CHANGE), &["add", "a.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: a"])
        .ok();
    let a = s.w.rev(&wt(APERTURE, CHANGE), "HEAD");
    let news = s
        .realm(FUNGAL, &["watch", "--once", "--json"])
        .code(1)
        .json();
    let realm = &news["realms"][0];
    assert_eq!(realm["changes"][0]["change"], CHANGE);
    assert_eq!(realm["changes"][0]["kind"], "updated");
    assert_eq!(
        realm["changes"][0]["details"],
        serde_json::json!([format!("aperture committed {}", &a[..7])])
    );
    assert_eq!(realm["imports"], serde_json::json!([]));
    assert_eq!(realm["concerns"], true);

    // Something that does not concern fungal: exit 0, but the activity is shown.
    s.w.member("ml-infra");
    s.realm(
        "ml-infra",
        &["join", &s.w.path("letemcook.git").display().to_string()],
    )
    .ok();
    let news = s.realm(FUNGAL, &["watch", "--once", "--json"]).ok().json();
    // Who did what comes from the realm commit's trailers, not its subject.
    let activity = &news["realms"][0]["activity"][0];
    assert_eq!(activity["op"], "join", "{activity}");
    assert_eq!(activity["by_repo"], "ml-infra", "{activity}");
    s.realm(
        "ml-infra",
        &["domain", "create", "ml-only", "--repos", "ml-infra"],
    )
    .ok();
    let out = s.realm(FUNGAL, &["watch", "--once"]).ok();
    assert!(
        out.stdout
            .contains("[create-domain]: ml-infra: create domain ml-only"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Nothing that concerns"),
        "{}",
        out.stdout
    );

    s.realm(FUNGAL, &["watch", "--interval", "0s", "--once"])
        .code(2);
}

#[test]
fn diverged_notes_are_merged_with_cat_sort_uniq_on_push() {
    let s = Story::new().with_contract();
    let w = &s.w;
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.write(&wt(APERTURE, CHANGE), "a.txt", "a\n");
    w.git(&wt(APERTURE, CHANGE), &["add", "a.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: a"])
        .ok();
    s.realm(&wt(APERTURE, CHANGE), &["push"]).ok();
    let a1 = w.rev(&wt(APERTURE, CHANGE), "HEAD");

    // Another machine adds to the same note and pushes.
    w.git(".", &["clone", "-q", "remotes/aperture.git", "laptop"])
        .ok();
    w.git(
        "laptop",
        &["fetch", "-q", "origin", "refs/notes/realm:refs/notes/realm"],
    )
    .ok();
    w.git(
        "laptop",
        &[
            "notes",
            "--ref",
            "realm",
            "append",
            "-m",
            r#"{"from":"laptop"}"#,
            &a1,
        ],
    )
    .ok();
    w.git("laptop", &["push", "-q", "origin", "refs/notes/realm"])
        .ok();

    // Here: another line on the same note, and a second round (a new note).
    w.git(
        APERTURE,
        &[
            "notes",
            "--ref",
            "realm",
            "append",
            "-m",
            r#"{"from":"desk"}"#,
            &a1,
        ],
    )
    .ok();
    s.write(&wt(APERTURE, CHANGE), "b.txt", "b\n");
    w.git(&wt(APERTURE, CHANGE), &["add", "b.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: b"])
        .ok();
    let a2 = w.rev(&wt(APERTURE, CHANGE), "HEAD");

    let out = s
        .realm(&wt(APERTURE, CHANGE), &["push", "--repos", APERTURE])
        .ok();
    assert!(out.stdout.contains("notes merged"), "{}", out.stdout);
    let origin_note = w
        .git(
            "remotes/aperture.git",
            &["notes", "--ref", "realm", "show", &a1],
        )
        .ok()
        .stdout;
    let lines: Vec<&str> = origin_note.lines().collect();
    assert_eq!(lines.len(), 3, "{origin_note}");
    assert!(lines.contains(&r#"{"from":"laptop"}"#), "{origin_note}");
    assert!(lines.contains(&r#"{"from":"desk"}"#), "{origin_note}");
    assert!(
        lines.iter().any(|l| l.contains("\"message\":\"feat: a\"")),
        "{origin_note}"
    );
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "cat_sort_uniq sorts the lines");
    let second = w
        .git(
            "remotes/aperture.git",
            &["notes", "--ref", "realm", "show", &a2],
        )
        .ok()
        .stdout;
    assert!(second.contains("\"message\":\"feat: b\""), "{second}");
    // The local notes are the merge; a second push has nothing to do.
    let parents = w
        .git(
            APERTURE,
            &["rev-list", "--parents", "-n", "1", "refs/notes/realm"],
        )
        .ok()
        .stdout;
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
    let out = s
        .realm(&wt(APERTURE, CHANGE), &["push", "--repos", APERTURE])
        .ok();
    assert!(out.stdout.contains("notes up to date"), "{}", out.stdout);
}

#[test]
fn bad_arguments_are_named_and_change_nothing() {
    let s = Story::new().with_contract();
    let before = s.w.realm_log("letemcook.git");
    let out = s
        .realm(APERTURE, &["worktree", "--repos", APERTURE, "list"])
        .code(2);
    assert!(
        out.stderr.contains("'list' is a subcommand"),
        "{}",
        out.stderr
    );
    s.realm(APERTURE, &["worktree", "Not_A_Name"]).code(2);
    let out = s
        .realm(APERTURE, &["worktree", "x", "--repos", "nobody"])
        .code(2);
    assert!(out.stderr.contains("--repos nobody"), "{}", out.stderr);
    let out = s
        .realm(APERTURE, &["worktree", "x", "--domain", "nowhere"])
        .code(2);
    assert!(out.stderr.contains("--domain nowhere"), "{}", out.stderr);
    let out = s
        .realm(APERTURE, &["worktree", "x", "--branch", "-x"])
        .code(2);
    assert!(out.stderr.contains("-x"), "{}", out.stderr);
    s.realm(APERTURE, &["worktree", "x", "--branch", "a..b"])
        .code(2);
    assert_eq!(s.w.realm_log("letemcook.git"), before);

    // Outside a change's worktree, commit/push/pr say where to run them.
    for args in [
        &["commit", "-m", "x"][..],
        &["push"],
        &["pr"],
        &["pr", "status"],
    ] {
        let out = s.realm(APERTURE, args).code(2);
        assert!(
            out.stderr.contains("not inside a worktree of a change"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = s.realm(APERTURE, &["push", "--change", "nope"]).code(2);
    assert!(out.stderr.contains("--change nope"), "{}", out.stderr);

    // An existing change is completed, not silently turned into another one.
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    let out = s
        .realm(APERTURE, &["worktree", CHANGE, "--branch", "other"])
        .code(3);
    assert!(
        out.stderr
            .contains(&format!("already exists with branch {BRANCH}")),
        "{}",
        out.stderr
    );
    let out = s
        .realm(
            &wt(APERTURE, CHANGE),
            &["commit", "-m", "x", "--repos", "ml-infra"],
        )
        .code(2);
    assert!(out.stderr.contains("--repos ml-infra"), "{}", out.stderr);
}

#[test]
fn pr_through_the_real_gh_against_a_local_fake_github() {
    let s = Story::new().with_contract();
    let fake = support::FakeGithub::start(&s.w.path("fake-github"));
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    s.write(&wt(APERTURE, CHANGE), "a.txt", "a\n");
    s.w.git(&wt(APERTURE, CHANGE), &["add", "a.txt"]).ok();
    s.realm(&wt(APERTURE, CHANGE), &["commit", "-m", "feat: metrics"])
        .ok();
    s.realm(&wt(APERTURE, CHANGE), &["push"]).ok();

    // The real gh, sending every request over the fake's Unix socket.
    let real = |args: &[&str]| -> Run {
        let mut all = vec!["realm"];
        all.extend_from_slice(args);
        let mut cmd = s.w.command(&s.w.path(&wt(APERTURE, CHANGE)), "git", &all);
        for (k, v) in fake.env() {
            if k.starts_with("GH_") || k == "NO_COLOR" {
                cmd.env(k, v);
            }
        }
        cmd.env("GIT_REALM_GH", support::real_gh());
        s.w.run_cmd(cmd)
    };
    real(&["pr"]).ok();
    real(&["pr"]).ok();
    assert!(
        fake.unsupported().is_empty(),
        "gh sent what the fake does not know: {:?}",
        fake.unsupported()
    );
    let creates = fake
        .operations()
        .iter()
        .filter(|o| *o == "PullRequestCreate")
        .count();
    assert_eq!(creates, 2, "{:?}", fake.operations());
    assert!(fake.operations().iter().any(|o| o == "PullRequestUpdate"));
    let state = fake.state();
    let a_url = state["repos"]["acme/aperture"]["pulls"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let f_body = state["repos"]["acme/fungal-image-analysis"]["pulls"][0]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(f_body.contains(&a_url), "{f_body}");
    let status = real(&["pr", "status", "--json"]).ok().json();
    assert_eq!(status["prs"][0]["state"], "OPEN", "{status}");
    // What gh reads with statusCheckRollup,reviewDecision,mergeable, typed.
    assert_eq!(status["prs"][0]["checks"]["total"], 0, "{status}");
    assert_eq!(status["prs"][0]["mergeable"], "MERGEABLE", "{status}");
    assert_eq!(status["prs"][0]["review_decision"], serde_json::Value::Null);
    assert!(
        fake.unsupported().is_empty(),
        "gh sent what the fake does not know: {:?}",
        fake.unsupported()
    );
    assert_eq!(status["order_respected"], true);
}

/// What git-realm reads from `git log` is the commit, whatever the user's log
/// config: signed commits under `log.showSignature` and messages re-encoded by
/// `i18n.logOutputEncoding` still give the pull request its title.
#[test]
fn log_config_does_not_change_what_is_read_from_commits() {
    let s = Story::new().with_contract();
    let w = &s.w;
    let key = w.path("home/signing-key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(keygen.success());
    let global = w.path("home/gitconfig").display().to_string();
    for (k, v) in [
        ("gpg.format", "ssh".to_owned()),
        ("user.signingKey", format!("{}.pub", key.display())),
        ("commit.gpgSign", "true".to_owned()),
        ("log.showSignature", "true".to_owned()),
        ("i18n.logOutputEncoding", "ISO-8859-1".to_owned()),
    ] {
        w.git(".", &["config", "--file", &global, k, &v]).ok();
    }
    s.realm(APERTURE, &["worktree", CHANGE]).ok();
    let a_wt = wt(APERTURE, CHANGE);
    s.write(&a_wt, "a.txt", "a\n");
    w.git(&a_wt, &["add", "a.txt"]).ok();
    let message = "feat: métriques";
    s.realm(&a_wt, &["commit", "-m", message]).ok();
    let raw = w.git(&a_wt, &["cat-file", "commit", "HEAD"]).ok().stdout;
    assert!(raw.contains("-----BEGIN SSH SIGNATURE-----"), "{raw}");
    s.realm(&a_wt, &["pr"]).ok();
    let creates = s.pr_calls("create");
    let aperture = creates
        .iter()
        .find(|c| flag(c, "--repo") == "acme/aperture")
        .expect("aperture's pull request");
    assert_eq!(flag(aperture, "--title"), message, "{aperture:?}");
}

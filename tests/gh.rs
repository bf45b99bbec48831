//! The GitHub client (`git_realm::forge::Gh`) against the `gh` test double and
//! against the real `gh` talking to a fake GitHub on a Unix socket; and the
//! double's own strictness, since every later test relies on it.

mod support;

use std::path::Path;
use std::process::Command;

use git_realm::Exit;
use git_realm::forge::{Gh, PrState, pr_number_from_url};
use support::{FakeGithub, GhDouble};

const BODY: &str = "Coordinated change `fungal`/\"aperture\" ✓\n\n- line with 'quotes' and $HOME\n";

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("gh-test-")
        .tempdir()
        .unwrap()
}

/// The argv of a recorded call, with the `--body-file` value (a deleted temp
/// file) replaced by `<file>`.
fn without_body_file(call: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut after_flag = false;
    for a in call {
        out.push(if after_flag {
            "<file>".into()
        } else {
            a.clone()
        });
        after_flag = a == "--body-file";
    }
    out
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- the double

#[test]
fn double_issue_create_prints_url_and_records_the_call() {
    let dir = tmp();
    let double = GhDouble::new(dir.path());
    let url = double
        .gh()
        .issue_create("acme/fungal", "Coordinate v2", BODY)
        .unwrap();
    assert_eq!(url, "https://github.com/acme/fungal/issues/1");
    let calls = double.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        without_body_file(&calls[0]),
        strs(&[
            "issue",
            "create",
            "--repo",
            "acme/fungal",
            "--title",
            "Coordinate v2",
            "--body-file",
            "<file>"
        ])
    );
    // The body went through a temporary file, which is gone again.
    assert!(!Path::new(&calls[0][7]).exists());
    let issue = &double.repo("acme/fungal")["issues"][0];
    assert_eq!(issue["title"], "Coordinate v2");
    assert_eq!(issue["body"], BODY);
    assert_eq!(issue["number"], 1);

    // Numbers are per repository.
    let gh = double.gh();
    assert_eq!(
        gh.issue_create("acme/fungal", "again", "").unwrap(),
        "https://github.com/acme/fungal/issues/2"
    );
    assert_eq!(
        gh.issue_create("acme/aperture", "other", "b").unwrap(),
        "https://github.com/acme/aperture/issues/1"
    );
}

#[test]
fn double_rejects_anything_but_real_gh_syntax_loudly() {
    let dir = tmp();
    let double = GhDouble::new(dir.path());
    let body = dir.path().join("body.md");
    std::fs::write(&body, "b").unwrap();
    let body = body.to_str().unwrap();
    let bad: &[&[&str]] = &[
        // no --repo: gh would guess from the remotes
        &["issue", "create", "--title", "T", "--body-file", body],
        // --body instead of --body-file
        &[
            "issue", "create", "--repo", "a/b", "--title", "T", "--body", "x",
        ],
        // unknown subcommands
        &["issue", "frob", "--repo", "a/b"],
        &["repo", "view", "--repo", "a/b"],
        &[],
        // a real gh flag git-realm does not use
        &[
            "issue", "create", "-R", "a/b", "-t", "T", "-F", body, "--label", "x",
        ],
        // missing value
        &[
            "issue",
            "create",
            "--repo",
            "a/b",
            "--body-file",
            body,
            "--title",
        ],
        // unreadable body file
        &[
            "issue",
            "create",
            "--repo",
            "a/b",
            "--title",
            "T",
            "--body-file",
            "/nonexistent/body",
        ],
        // not OWNER/REPO
        &[
            "issue",
            "create",
            "--repo",
            "acme",
            "--title",
            "T",
            "--body-file",
            body,
        ],
        // pr view needs a number and --json with modelled fields
        &["pr", "view", "--repo", "a/b", "--json", "number"],
        &[
            "pr",
            "view",
            "1",
            "--repo",
            "a/b",
            "--json",
            "number,reviews",
        ],
        &["pr", "view", "1", "--repo", "a/b"],
        // pr create without --head/--base would read the current branch
        &[
            "pr",
            "create",
            "--repo",
            "a/b",
            "--title",
            "T",
            "--body-file",
            body,
        ],
        // pr list with a state gh does not know
        &[
            "pr",
            "list",
            "-R",
            "a/b",
            "-H",
            "x",
            "-s",
            "everything",
            "--json",
            "number",
        ],
    ];
    for args in bad {
        let out = double.command(args, &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(64),
            "{args:?} should be refused: {stderr}"
        );
        assert!(
            stderr.starts_with("gh-double: unsupported invocation: "),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // Every invocation is recorded, refused ones included, and none created anything.
    assert_eq!(double.calls().len(), bad.len());
    assert_eq!(double.state()["repos"], serde_json::json!({}));

    // The state file is required.
    let out = double
        .command(
            &[
                "issue",
                "create",
                "--repo",
                "a/b",
                "--title",
                "T",
                "--body-file",
                body,
            ],
            &[],
        )
        .env_remove("GH_DOUBLE_STATE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GH_DOUBLE_STATE"));
}

#[test]
fn double_accepts_gh_flag_forms_in_any_order() {
    let dir = tmp();
    let double = GhDouble::new(dir.path());
    let body = dir.path().join("body.md");
    std::fs::write(&body, "b").unwrap();
    let body = body.to_str().unwrap();
    let eq = format!("--body-file={body}");
    let glued = format!("-F{body}");
    let good: &[&[&str]] = &[
        &["issue", "create", "-F", body, "-t", "T", "-R", "a/b"],
        &["issue", "create", &eq, "--title=T", "--repo=a/b"],
        &["issue", "create", &glued, "-tT", "-Ra/b"],
        &[
            "issue",
            "create",
            "-R",
            "github.com/a/b",
            "-t=T",
            "-F",
            body,
        ],
        &[
            "pr", "create", "-dR", "a/b", "-H", "f", "-B", "main", "-t", "T", "-F", body,
        ],
        &["pr", "edit", "-R", "a/b", "-t", "T2", "-F", body, "5"],
        &["pr", "view", "--json", "number,state", "-R", "a/b", "5"],
        &[
            "pr", "list", "-s", "all", "-H", "f", "--json", "number", "-R", "a/b",
        ],
    ];
    for args in good {
        let out = double.command(args, &[]).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let repo = double.repo("a/b");
    assert_eq!(repo["next"], 6);
    assert_eq!(repo["pulls"][0]["draft"], true);
    assert_eq!(repo["pulls"][0]["title"], "T2");
}

#[test]
fn double_pr_create_edit_view_list_round_trip() {
    let dir = tmp();
    let double = GhDouble::new(dir.path());
    let gh = double.gh();
    let slug = "acme/fungal";
    assert_eq!(gh.pr_for_branch(slug, "realm/v2").unwrap(), None);
    gh.issue_create(slug, "Coordinate", "").unwrap();

    let url = gh
        .pr_create(slug, "realm/v2", "main", "Adopt v2", BODY, true)
        .unwrap();
    // Issues and pull requests share the number sequence.
    assert_eq!(url, "https://github.com/acme/fungal/pull/2");
    let number = pr_number_from_url(&url).unwrap();
    assert_eq!(number, 2);
    let pr = &double.repo(slug)["pulls"][0];
    assert_eq!(pr["draft"], true);
    assert_eq!(pr["head"], "realm/v2");
    assert_eq!(pr["base"], "main");
    assert_eq!(pr["body"], BODY);

    gh.pr_edit(slug, number, Some("Adopt v2 (updated)"), "new body")
        .unwrap();
    let pr = &double.repo(slug)["pulls"][0];
    assert_eq!(pr["title"], "Adopt v2 (updated)");
    assert_eq!(pr["body"], "new body");

    let view = gh.pr_view(slug, number).unwrap();
    assert_eq!(view.number, 2);
    assert_eq!(view.url, url);
    assert_eq!(view.state, PrState::Open);
    assert_eq!(view.merged_at, None);
    assert_eq!(view.head_ref_name, "realm/v2");
    assert_eq!(view.base_ref_name, "main");
    assert_eq!(gh.pr_for_branch(slug, "realm/v2").unwrap(), Some(view));
    assert_eq!(gh.pr_for_branch(slug, "other").unwrap(), None);

    // A second open PR for the same head and base is refused, like GitHub does.
    let err = gh
        .pr_create(slug, "realm/v2", "main", "again", "", false)
        .unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("already exists"), "{}", err.message);

    // Merged (by a test, as GitHub would be by a person).
    double.merge(slug, number);
    let view = gh.pr_view(slug, number).unwrap();
    assert_eq!(view.state, PrState::Merged);
    assert_eq!(view.merged_at.as_deref(), Some("2026-01-24T10:00:00Z"));
    assert_eq!(
        gh.pr_for_branch(slug, "realm/v2").unwrap().unwrap().state,
        PrState::Merged
    );
    // After a merge, a new PR for the same branch is allowed; `pr_for_branch`
    // reports the newest.
    let url = gh
        .pr_create(slug, "realm/v2", "main", "Adopt v2, part 2", "", false)
        .unwrap();
    assert_eq!(url, "https://github.com/acme/fungal/pull/3");
    let newest = gh.pr_for_branch(slug, "realm/v2").unwrap().unwrap();
    assert_eq!((newest.number, newest.state), (3, PrState::Open));

    let calls: Vec<Vec<String>> = double
        .calls()
        .iter()
        .map(|c| without_body_file(c))
        .collect();
    assert_eq!(
        calls[2],
        strs(&[
            "pr",
            "create",
            "--repo",
            slug,
            "--head",
            "realm/v2",
            "--base",
            "main",
            "--title",
            "Adopt v2",
            "--body-file",
            "<file>",
            "--draft"
        ])
    );
    assert_eq!(
        calls[3],
        strs(&[
            "pr",
            "edit",
            "2",
            "--repo",
            slug,
            "--title",
            "Adopt v2 (updated)",
            "--body-file",
            "<file>"
        ])
    );
    assert_eq!(
        calls[4],
        strs(&[
            "pr",
            "view",
            "2",
            "--repo",
            slug,
            "--json",
            "number,url,state,mergedAt,headRefName,baseRefName,title,body"
        ])
    );
    assert_eq!(
        calls[0],
        strs(&[
            "pr",
            "list",
            "--repo",
            slug,
            "--head",
            "realm/v2",
            "--state",
            "all",
            "--json",
            "number,url,state,mergedAt,headRefName,baseRefName,title,body"
        ])
    );
}

#[test]
fn double_failures_surface_as_external_errors() {
    let dir = tmp();
    let double = GhDouble::new(dir.path());
    let err = double
        .gh()
        .env("GH_DOUBLE_FAIL", "issue create")
        .issue_create("acme/fungal", "T", "b")
        .unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("gh issue create"), "{}", err.message);
    assert!(err.message.contains("injected failure"), "{}", err.message);
    assert!(err.message.contains("acme/fungal"), "{}", err.message);
    // Only the named call fails; nothing was created by the failed one.
    let gh = double.gh().env("GH_DOUBLE_FAIL", "pr view, pr edit");
    assert_eq!(
        gh.issue_create("acme/fungal", "T", "b").unwrap(),
        "https://github.com/acme/fungal/issues/1"
    );
    let err = gh.pr_view("acme/fungal", 1).unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("gh pr view"), "{}", err.message);

    // A PR that does not exist: gh's own error, exit 4.
    let err = double.gh().pr_view("acme/fungal", 42).unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("Could not resolve"), "{}", err.message);

    // A gh that cannot be started at all.
    let err = Gh::at(dir.path().join("no-such-gh"))
        .issue_create("acme/fungal", "T", "b")
        .unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("cannot run gh"), "{}", err.message);
}

// --------------------------------------------------- the real gh, fake GitHub

/// A failed call against the fake, with what the fake did not understand.
fn fail<T>(fake: &FakeGithub, e: git_realm::Error) -> T {
    panic!(
        "{e}\nrequests the fake did not understand: {:#?}",
        fake.unsupported()
    )
}

#[test]
fn real_gh_issue_create_against_fake_github() {
    let dir = tmp();
    let fake = FakeGithub::start(dir.path());
    let url = fake
        .gh()
        .issue_create("acme/fungal", "Coordinate v2", BODY)
        .unwrap_or_else(|e| fail(&fake, e));
    assert_eq!(url, "https://github.com/acme/fungal/issues/1");
    let issue = &fake.state()["repos"]["acme/fungal"]["issues"][0];
    assert_eq!(issue["title"], "Coordinate v2");
    assert_eq!(issue["body"], BODY);
    assert_eq!(fake.operations(), strs(&["RepositoryInfo", "IssueCreate"]));
    assert!(fake.unsupported().is_empty());
}

#[test]
fn real_gh_pr_create_edit_view_list_against_fake_github() {
    let dir = tmp();
    let fake = FakeGithub::start(dir.path());
    let gh = fake.gh();
    let slug = "acme/aperture";
    let url = gh
        .pr_create(slug, "realm/v2", "main", "Adopt v2", BODY, true)
        .unwrap_or_else(|e| fail(&fake, e));
    assert_eq!(url, "https://github.com/acme/aperture/pull/1");
    let number = pr_number_from_url(&url).unwrap();
    gh.pr_edit(slug, number, Some("Adopt v2 (updated)"), "new body")
        .unwrap_or_else(|e| fail(&fake, e));
    let pr = &fake.state()["repos"][slug]["pulls"][0];
    assert_eq!(pr["title"], "Adopt v2 (updated)");
    assert_eq!(pr["body"], "new body");
    assert_eq!(pr["draft"], true);
    assert_eq!(pr["head"], "realm/v2");

    let view = gh.pr_view(slug, number).unwrap_or_else(|e| fail(&fake, e));
    assert_eq!(view.url, url);
    assert_eq!(view.state, PrState::Open);
    assert_eq!(view.head_ref_name, "realm/v2");
    assert_eq!(view.base_ref_name, "main");
    assert_eq!(
        gh.pr_for_branch(slug, "realm/v2")
            .unwrap_or_else(|e| fail(&fake, e)),
        Some(view)
    );
    assert_eq!(
        gh.pr_for_branch(slug, "nope")
            .unwrap_or_else(|e| fail(&fake, e)),
        None
    );
    assert_eq!(
        fake.operations(),
        strs(&[
            "RepositoryInfo",
            "PullRequestForBranch",
            "PullRequestCreate",
            "PullRequestByNumber",
            "PullRequestProjectItems",
            "PullRequestUpdate",
            "PullRequestByNumber",
            "PullRequestList",
            "PullRequestList",
        ])
    );
    assert!(fake.unsupported().is_empty());

    // gh's own failure becomes an external error naming the call.
    let err = gh.pr_view(slug, 99).unwrap_err();
    assert_eq!(err.exit, Exit::External);
    assert!(err.message.contains("gh pr view"), "{}", err.message);
    assert!(err.message.contains("Could not resolve"), "{}", err.message);
}

/// A request the fake does not know is answered with a loud error naming it, and
/// logged with its query, so a gh that sends something new fails visibly.
#[test]
fn fake_github_fails_loudly_on_unknown_requests() {
    let dir = tmp();
    let fake = FakeGithub::start(dir.path());
    let out = Command::new(support::real_gh())
        .args(["issue", "list", "--repo", "acme/fungal"])
        .env_clear()
        .envs(fake.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("unsupported GraphQL operation 'IssueList'"),
        "{stderr}"
    );
    let unsupported = fake.unsupported();
    assert_eq!(unsupported.len(), 1, "{unsupported:#?}");
    assert_eq!(unsupported[0]["status"], 500);
    assert!(
        unsupported[0]["query"]
            .as_str()
            .unwrap()
            .contains("query IssueList")
    );
}

/// The double answers exactly like the real gh for the same calls: the same URLs
/// and the same parsed pull requests.
#[test]
fn double_and_real_gh_agree() {
    let dir = tmp();
    let fake = FakeGithub::start(dir.path());
    let double = GhDouble::new(dir.path());
    let run = |gh: &Gh| {
        let slug = "acme/fungal";
        let issue = gh.issue_create(slug, "Coordinate", BODY).unwrap();
        let pr = gh
            .pr_create(slug, "realm/x", "main", "X", BODY, false)
            .unwrap();
        gh.pr_edit(slug, 2, Some("X2"), "b2").unwrap();
        let view = gh.pr_view(slug, 2).unwrap();
        let listed = gh.pr_for_branch(slug, "realm/x").unwrap();
        let none = gh.pr_for_branch(slug, "realm/y").unwrap();
        (issue, pr, view, listed, none)
    };
    assert_eq!(run(&fake.gh()), run(&double.gh()));
}

// ------------------------------------------------------------- Gh::locate

/// `Gh::locate` reads the process environment, so each case runs in a child
/// process (this test binary again, filtered to `locate_child`) with an explicit
/// environment, instead of mutating the environment other tests share.
#[test]
fn locate_precedence() {
    let dir = tmp();
    let d = dir.path();
    let exe = |rel: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    };
    let from_env = exe("env/gh-env");
    let from_config = exe("config/gh-config");
    let on_path = exe("path/gh");
    exe("named/gh-by-name");
    let repo = d.join("repo");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", repo.to_str().unwrap()]);
    git(&[
        "-C",
        repo.to_str().unwrap(),
        "config",
        "realm.gh",
        &from_config,
    ]);
    let plain = d.join("plain");
    git(&["init", "-q", plain.to_str().unwrap()]);

    let path_dir = d.join("path").display().to_string();
    let empty_path = d.join("empty").display().to_string();
    let named_path = d.join("named").display().to_string();
    let repo = repo.display().to_string();
    let plain = plain.display().to_string();
    /// (what, the child's environment, `ok PROGRAM` or `err EXIT`)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        (
            "env wins over config and PATH",
            vec![
                ("GIT_REALM_GH", &from_env),
                ("REPO", &repo),
                ("PATH", &path_dir),
            ],
            format!("ok {from_env}"),
        ),
        (
            "config wins over PATH",
            vec![("REPO", &repo), ("PATH", &path_dir)],
            format!("ok {from_config}"),
        ),
        (
            "an empty GIT_REALM_GH is unset",
            vec![("GIT_REALM_GH", ""), ("REPO", &repo), ("PATH", &path_dir)],
            format!("ok {from_config}"),
        ),
        (
            "PATH without config",
            vec![("REPO", &plain), ("PATH", &path_dir)],
            format!("ok {on_path}"),
        ),
        (
            "PATH without a repository",
            vec![("PATH", &path_dir)],
            format!("ok {on_path}"),
        ),
        (
            "a bare name in GIT_REALM_GH is looked up on PATH",
            vec![("GIT_REALM_GH", "gh-by-name"), ("PATH", &named_path)],
            format!("ok {named_path}/gh-by-name"),
        ),
        (
            "missing everywhere",
            vec![("PATH", &empty_path)],
            "err 4".into(),
        ),
        (
            "GIT_REALM_GH naming nothing",
            vec![("GIT_REALM_GH", "/nonexistent/gh"), ("PATH", &path_dir)],
            "err 4".into(),
        ),
    ];
    for (what, env, expected) in cases {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "locate_child", "--nocapture", "--test-threads=1"])
            .env_clear()
            .env("LOCATE_CHILD", "1")
            .env("HOME", d)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .envs(env)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{what}: child failed\n{stdout}\n{stderr}"
        );
        let got = stdout
            .lines()
            .find_map(|l| l.split_once("LOCATED ").map(|(_, result)| result))
            .unwrap_or_else(|| panic!("{what}: no result\n{stdout}"));
        assert_eq!(got, expected, "{what}\n{stdout}");
        if expected.starts_with("err") {
            // The hint names all three ways to point git-realm at gh.
            assert!(stdout.contains("GIT_REALM_GH"), "{what}: {stdout}");
            assert!(stdout.contains("realm.gh"), "{what}: {stdout}");
            assert!(stdout.contains("PATH"), "{what}: {stdout}");
        }
    }
}

/// The child half of `locate_precedence`; does nothing in a normal run.
#[test]
fn locate_child() {
    if std::env::var_os("LOCATE_CHILD").is_none() {
        return;
    }
    let repo = std::env::var_os("REPO").map(|p| git_realm::git::open_at(Path::new(&p)).unwrap());
    match Gh::locate(repo.as_ref()) {
        Ok(gh) => println!("LOCATED ok {}", gh.program().display()),
        Err(e) => {
            println!("LOCATED err {}", e.exit.code());
            println!("message: {}", e.message);
            for hint in &e.hints {
                println!("hint: {hint}");
            }
        }
    }
}

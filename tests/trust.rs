//! A realm shared by teams that do not trust each other (issue 8). Every test plays
//! an attacker who can push to the realm (or a member repository), and checks that
//! git-realm fails safely: nothing read outside the repository, nothing published,
//! no foreign pull request edited, nothing written outside the repository, and a
//! clear error naming the realm file.

mod common;
mod support;

use common::{Run, World};
use support::GhDouble;

const APERTURE: &str = "aperture";
const FUNGAL: &str = "fungal-image-analysis";
const REALM: &str = "letemcook.git";

struct Story {
    w: World,
    gh: GhDouble,
    realm_url: String,
}

impl Story {
    /// A realm and two members "on GitHub", with aperture exporting
    /// s3-access/s3-permissions from a committed file and fungal importing it.
    fn new() -> Story {
        let w = World::new();
        std::fs::create_dir_all(w.path("github")).unwrap();
        let gh = GhDouble::new(&w.path("github"));
        let realm_url = w.bare_realm("letemcook");
        let s = Story { w, gh, realm_url };
        for name in [APERTURE, FUNGAL] {
            s.w.member(name);
            let url = format!("https://github.com/acme/{name}.git");
            s.realm(name, &["join", &s.realm_url, "--url", &url]).ok();
        }
        s.realm(
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
        s.w.write(APERTURE, "perms.yaml", "read: [jobs/*/masks/*]\n");
        s.w.git(APERTURE, &["add", "perms.yaml"]).ok();
        s.w.git(APERTURE, &["commit", "-q", "-m", "perms"]).ok();
        s.realm(
            APERTURE,
            &[
                "export",
                "s3-permissions",
                "--domain",
                "s3-access",
                "--file",
                "perms.yaml",
            ],
        )
        .ok();
        s.w.write(FUNGAL, "stack.py", "grants = ['jobs/*/masks/*']\n");
        s.w.git(FUNGAL, &["add", "stack.py"]).ok();
        s.w.git(FUNGAL, &["commit", "-q", "-m", "grants"]).ok();
        s.realm(
            FUNGAL,
            &[
                "import",
                "s3-permissions",
                "--domain",
                "s3-access",
                "--version",
                ">=1.0.0",
                "--binding",
                "stack.py",
            ],
        )
        .ok();
        s
    }

    fn realm(&self, dir: &str, args: &[&str]) -> Run {
        self.w.realm_env(dir, args, &self.gh.env())
    }

    /// A file of the realm's main branch.
    fn show(&self, path: &str) -> String {
        self.w
            .git(REALM, &["show", &format!("main:{path}")])
            .ok()
            .stdout
    }

    fn issues(&self, slug: &str) -> usize {
        self.gh.repo(slug)["issues"]
            .as_array()
            .map_or(0, |a| a.len())
    }
}

fn has_raw_escape(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
    })
}

#[test]
fn an_export_source_planted_in_the_realm_never_reads_ignored_or_outside_files() {
    let s = Story::new();
    let binding_path = "domains/s3-access/bindings/aperture.yaml";
    let contract_path = "domains/s3-access/contracts/s3-permissions.yaml";
    let binding = s.show(binding_path);
    assert!(binding.contains("perms.yaml"), "{binding}");
    let contract_before = s.show(contract_path);

    // The provider keeps secrets in an ignored .env, and has a tracked symlink.
    s.w.write(APERTURE, ".gitignore", ".env\n");
    s.w.write(APERTURE, ".env", "AWS_SECRET=hunter2\n");
    s.w.write("outside", "secret.txt", "read: [TOP-SECRET]\n");
    std::os::unix::fs::symlink(
        s.w.path("outside/secret.txt"),
        s.w.path("aperture/link.yaml"),
    )
    .unwrap();
    s.w.git(APERTURE, &["add", ".gitignore", "link.yaml"]).ok();
    s.w.git(APERTURE, &["commit", "-q", "-m", "ignore .env; a link"])
        .ok();

    for (planted, what) in [
        (binding.replace("perms.yaml", ".env"), ".env"),
        (binding.replace("perms.yaml", "link.yaml"), "link.yaml"),
        (binding.replace("perms.yaml", ".git/config"), ".git/config"),
    ] {
        s.w.edit_realm(REALM, &[(binding_path, &planted)]);
        // sync reports the export it could not compute, and publishes nothing.
        let out = s.realm(APERTURE, &["sync"]);
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains(&format!("export source {what}")) && said.contains("not published"),
            "{what}: {said}"
        );
        assert!(!out.stdout.contains("hunter2") && !out.stdout.contains("TOP-SECRET"));
        assert_eq!(
            s.show(contract_path),
            contract_before,
            "{what}: nothing published"
        );
        assert_eq!(
            s.issues("acme/fungal-image-analysis"),
            0,
            "{what}: nobody told"
        );
    }

    // An extract rule over everything (`**`) reads tracked files only, and never
    // follows the symlink out of the repository.
    let extract = "repo: aperture\nexports:\n- contract: s3-permissions\n  source:\n    kind: extract\n    rules:\n    - glob: '**'\n      regex: '(?:AWS_SECRET=|read: \\[)([^\\]\\n]+)'\nimports: []\n";
    s.w.edit_realm(REALM, &[(binding_path, extract)]);
    let out = s.realm(APERTURE, &["sync", "--no-notify"]);
    let published = s.show(contract_path);
    assert!(
        !published.contains("hunter2") && !published.contains("TOP-SECRET"),
        "{published}\n{}\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn a_pull_request_number_planted_in_the_realm_is_never_edited() {
    let s = Story::new();
    // Unrelated work in aperture already has pull request #1.
    s.gh.gh()
        .pr_create(
            "acme/aperture",
            "unrelated-work",
            "main",
            "Unrelated",
            "mine",
            false,
        )
        .unwrap();
    s.realm(APERTURE, &["worktree", "metrics"]).ok();
    let wt = "aperture/.worktrees/metrics";
    s.w.write(wt, "a.txt", "a\n");
    s.w.git(wt, &["add", "a.txt"]).ok();
    s.realm(wt, &["commit", "-m", "feat: a"]).ok();
    s.realm(wt, &["push"]).ok();
    s.realm(wt, &["pr"]).ok();
    assert_eq!(
        s.gh.repo("acme/aperture")["pulls"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The attacker points the change's aperture PR at #1.
    let change = s.show("changes/metrics.yaml");
    let planted = change
        .replace("/pull/2", "/pull/1")
        .replace("number: 2", "number: 1");
    assert_ne!(planted, change, "{change}");
    s.w.edit_realm(REALM, &[("changes/metrics.yaml", &planted)]);
    let out = s.realm(wt, &["pr", "--title", "hijacked"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("not edited"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let pulls = s.gh.repo("acme/aperture")["pulls"].clone();
    assert_eq!(pulls[0]["title"], "Unrelated");
    assert_eq!(pulls[0]["body"], "mine");
    assert!(
        !s.gh.calls().iter().any(|c| c[..2] == ["pr", "edit"]
            && c[2] == "1"
            && c.contains(&"acme/aperture".to_owned())),
        "no edit of #1"
    );
}

#[test]
fn a_committed_worktrees_symlink_is_refused_and_nothing_is_written_outside() {
    let s = Story::new();
    // fungal commits `.worktrees` as a link two levels up, and fungal is cloned.
    let id = format!("escape-{}", std::process::id());
    std::os::unix::fs::symlink("../..", s.w.path("fungal-image-analysis/.worktrees")).unwrap();
    s.w.git(FUNGAL, &["add", ".worktrees"]).ok();
    s.w.git(FUNGAL, &["commit", "-q", "-m", "a link"]).ok();
    s.w.git(FUNGAL, &["push", "-q", "origin", "HEAD"]).ok();
    std::fs::rename(s.w.path(FUNGAL), s.w.path("elsewhere")).unwrap();
    // The registered url of fungal is "GitHub": clone from the local bare instead.
    let bare = s.w.path("remotes/fungal-image-analysis.git");
    let repo_file = s
        .show("repos/fungal-image-analysis.yaml")
        .replace(
            "https://github.com/acme/fungal-image-analysis.git",
            &bare.display().to_string(),
        )
        .replace("forge: acme/fungal-image-analysis\n", "");
    s.w.edit_realm(REALM, &[("repos/fungal-image-analysis.yaml", &repo_file)]);
    let index = s.w.path("home/.config/git-realm/index.yaml");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        text.replace(&*s.w.path(FUNGAL).display().to_string(), "/nonexistent"),
    )
    .unwrap();

    let out = s.realm(
        APERTURE,
        &[
            "worktree",
            &id,
            "--repos",
            &format!("{APERTURE},{FUNGAL}"),
            "--clone",
        ],
    );
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("symlink"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let escaped = s.w.root.path().parent().unwrap().join(&id);
    assert!(!escaped.exists(), "{} was created", escaped.display());
}

#[test]
fn hostile_values_in_the_realm_are_refused_naming_the_file() {
    let s = Story::new();
    let repo_file = s.show("repos/fungal-image-analysis.yaml");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "repos/fungal-image-analysis.yaml",
            repo_file.replace("https://github.com/acme/fungal-image-analysis.git", "fd::7"),
            "url",
        ),
        (
            "repos/fungal-image-analysis.yaml",
            repo_file.replace(
                "https://github.com/acme/fungal-image-analysis.git",
                "ext::sh -c touch% /tmp/pwned",
            ),
            "url",
        ),
        (
            "repos/fungal-image-analysis.yaml",
            repo_file.replace("forge: acme/fungal-image-analysis", "forge: attacker/inbox"),
            "forge",
        ),
    ];
    // A pending export change: its sync reads fungal's registration to notify it.
    s.w.write(APERTURE, "perms.yaml", "read: [jobs/*/masks/*, more/*]\n");
    s.w.git(APERTURE, &["commit", "-q", "-am", "more"]).ok();
    for (path, content, field) in cases {
        s.w.edit_realm(REALM, &[(path, &content)]);
        let out = s.realm(APERTURE, &["sync"]);
        assert_eq!(out.code, 2, "{content}\n{}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(path), "{}", out.stderr);
        assert!(out.stderr.contains(field), "{}", out.stderr);
    }
    s.w.edit_realm(REALM, &[("repos/fungal-image-analysis.yaml", &repo_file)]);
    s.realm(APERTURE, &["sync"]).ok();
    assert_eq!(
        s.issues("acme/fungal-image-analysis"),
        1,
        "told at its real home"
    );
    assert!(s.gh.repo("attacker/inbox").is_null());
}

#[test]
fn a_change_branch_is_never_a_default_branch_nor_a_ref_name() {
    let s = Story::new();
    for bad in ["main", "refs/heads/main", "refs/heads/x", "HEAD"] {
        let out = s.realm(APERTURE, &["worktree", "x", "--branch", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
    }
    s.realm(APERTURE, &["worktree", "y", "--repos", APERTURE])
        .ok();
    // aperture's origin says its default branch is `release`.
    s.w.git(
        APERTURE,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/release",
        ],
    )
    .ok();
    s.w.git(APERTURE, &["branch", "release"]).ok();
    s.w.git(
        APERTURE,
        &["commit", "-q", "--allow-empty", "-m", "unpushed"],
    )
    .ok();
    let change = s.show("changes/y.yaml");
    for (branch, named) in [
        ("main", "changes/y.yaml"),
        ("refs/heads/main", "changes/y.yaml"),
        ("release", "default branch"),
    ] {
        let planted = change.replace("branch: feat/y", &format!("branch: {branch}"));
        assert_ne!(planted, change);
        s.w.edit_realm(REALM, &[("changes/y.yaml", &planted)]);
        s.realm(APERTURE, &["status", "--fetch"]);
        let out = s.realm(APERTURE, &["push", "--change", "y"]);
        assert_eq!(out.code, 2, "{branch}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(named), "{branch}: {}", out.stderr);
        assert_ne!(
            s.w.rev(APERTURE, "HEAD"),
            s.w.rev("remotes/aperture.git", "main"),
            "{branch}: main was not pushed"
        );
        assert!(
            s.w.rev("remotes/aperture.git", "refs/heads/refs/heads/main")
                .is_empty()
        );
        assert!(
            s.w.rev("remotes/aperture.git", "refs/heads/release")
                .is_empty()
        );
    }
}

#[test]
fn control_and_bidi_characters_in_realm_strings_are_escaped() {
    let s = Story::new();
    let domain = s.show("domains/s3-access/domain.yaml");
    let planted = domain.replace(
        "description: ''",
        "description: \"\\e]8;;http://evil\\a\\e[2Jlooks \\u202Eharmless\"",
    );
    assert_ne!(planted, domain, "{domain}");
    s.w.edit_realm(REALM, &[("domains/s3-access/domain.yaml", &planted)]);
    s.realm(APERTURE, &["status", "--fetch"]).ok();
    for color in ["never", "always"] {
        let out = s
            .realm(APERTURE, &["domain", "show", "s3-access", "--color", color])
            .ok();
        assert!(
            out.stdout.contains("\\x1b]8;;http://evil"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("\\u{202e}harmless"), "{}", out.stdout);
        if color == "never" {
            assert!(!has_raw_escape(&out.stdout), "{:?}", out.stdout);
        } else {
            assert!(!out.stdout.contains('\u{7}') && !out.stdout.contains("\u{1b}]"));
        }
    }
}

#[test]
fn an_oversized_realm_file_is_refused_before_parsing() {
    let s = Story::new();
    let path = "domains/s3-access/bindings/aperture.yaml";
    let big = format!("{}# {}\n", s.show(path), "x".repeat(1_100_000));
    s.w.edit_realm(REALM, &[(path, &big)]);
    let out = s.realm(APERTURE, &["status", "--fetch"]).code(2);
    assert!(out.stderr.contains(path), "{}", out.stderr);
    assert!(out.stderr.contains("realm.maxFileSize"), "{}", out.stderr);
    // The limit is the user's to raise.
    s.w.git(APERTURE, &["config", "realm.maxFileSize", "4m"])
        .ok();
    s.realm(APERTURE, &["status"]).ok();
}

#[test]
fn a_realm_of_a_newer_format_is_refused_by_every_command() {
    let s = Story::new();
    let realm = s.show("realm.yaml");
    let newer = realm.replace("format: 1", "format: 999999") + "something_new: true\n";
    s.w.edit_realm(REALM, &[("realm.yaml", &newer)]);
    let out = s.realm(APERTURE, &["status", "--fetch"]).code(2);
    assert!(
        out.stderr.contains("this realm needs git-realm ≥"),
        "{}",
        out.stderr
    );
    for args in [
        &["status"][..],
        &["check"],
        &["graph"],
        &["domain", "list"],
        &["sync"],
    ] {
        let out = s.realm(APERTURE, args);
        assert_eq!(out.code, 2, "{args:?}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("needs git-realm"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

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
        s.import(&[]);
        s
    }

    /// fungal imports s3-permissions with stack.py as its binding, and `extra`.
    fn import(&self, extra: &[&str]) {
        let mut args = vec![
            "import",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--requires",
            ">=1.0.0",
            "--binding",
            "stack.py",
        ];
        args.extend_from_slice(extra);
        self.realm(FUNGAL, &args).ok();
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
    let contract_before = s.show(contract_path);
    // A source in a realm binding is read only when the provider's own
    // `.realm/exports.yaml` says nothing about the contract (realms written by
    // older versions): drop it, so the planted source is what sync considers.
    s.w.git(
        APERTURE,
        &["rm", "-q", "-f", "--cached", ".realm/exports.yaml"],
    )
    .ok();
    let planted_source = |source: &str| {
        format!(
            "repo: aperture\nexports:\n- contract: s3-permissions\n  source:\n{source}imports: []\n"
        )
    };
    let file = |path: &str| planted_source(&format!("    kind: file\n    path: {path}\n"));

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
        (file(".env"), ".env"),
        (file("link.yaml"), "link.yaml"),
        (file(".git/config"), ".git/config"),
        (
            planted_source(&format!(
                "    kind: command\n    command: touch {}\n",
                s.w.path("pwned").display()
            )),
            "a command source in the realm is refused",
        ),
    ] {
        s.w.edit_realm(REALM, &[(binding_path, &planted)]);
        // sync reports the export it could not compute, and publishes nothing.
        let out = s.realm(APERTURE, &["sync"]);
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains(what) && said.contains("not published"),
            "{what}: {said}"
        );
        assert!(!out.stdout.contains("hunter2") && !out.stdout.contains("TOP-SECRET"));
        assert!(
            !s.w.path("pwned").exists(),
            "{what}: a realm-planted command ran"
        );
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
    // Nor does someone else's merged pull request close the change.
    s.gh.merge("acme/aperture", 1);
    let out = s.realm(wt, &["pr", "status", "--json"]);
    assert!(
        out.stdout.contains(
            "is a pull request from branch unrelated-work, not feat/metrics: not counted"
        ),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        !out.stdout.contains("\"state\": \"MERGED\""),
        "{}",
        out.stdout
    );
    assert!(
        s.show("changes/metrics.yaml").contains("status: open"),
        "{}",
        s.show("changes/metrics.yaml")
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
    // The index points at a checkout that is gone (a path inside the test's
    // own directory: `/nonexistent` exists on some CI machines as $HOME).
    let gone = s.w.path("gone/fungal-image-analysis");
    let index = s.w.path("home/.config/git-realm/index.yaml");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        text.replace(
            &*s.w.path(FUNGAL).display().to_string(),
            &gone.display().to_string(),
        ),
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

/// A base no repo has would leave the realm a change nobody can make: refused
/// before anything is written.
#[test]
fn worktree_with_a_base_no_repo_has_changes_nothing() {
    let s = Story::new();
    let before = s.w.rev(REALM, "main");
    let out = s
        .realm(APERTURE, &["worktree", "bad", "--base", "nosuchref"])
        .code(2);
    assert!(out.stderr.contains("--base nosuchref"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    assert_eq!(s.w.rev(REALM, "main"), before);
    assert!(!s.w.path(APERTURE).join(".worktrees/bad").exists());
    s.realm(APERTURE, &["worktree", "bad", "--base", "main"])
        .ok();
}

/// A change that lists a repo twice would have it committed twice at once in
/// one worktree: refused as it is read, naming the file and field.
#[test]
fn a_change_listing_a_repo_twice_is_refused_naming_the_file() {
    let s = Story::new();
    s.realm(
        APERTURE,
        &["worktree", "y", "--repos", &format!("{APERTURE},{FUNGAL}")],
    )
    .ok();
    let change = s.show("changes/y.yaml");
    let planted = change.replace(
        &format!("- {FUNGAL}\n"),
        &format!("- {FUNGAL}\n- {APERTURE}\n"),
    );
    assert_ne!(planted, change, "{change}");
    s.w.edit_realm(REALM, &[("changes/y.yaml", &planted)]);
    s.realm(APERTURE, &["status", "--fetch"]);
    let wt = format!("{APERTURE}/.worktrees/y");
    s.w.write(&wt, "x.txt", "x\n");
    s.w.git(&wt, &["add", "x.txt"]).ok();
    let before = s.w.rev(&wt, "HEAD");
    let out = s
        .realm(&wt, &["commit", "-m", "x", "--change", "y"])
        .code(2);
    assert!(
        out.stderr.contains("invalid changes/y.yaml: field `repos`")
            && out.stderr.contains(&format!("{APERTURE} is listed twice")),
        "{}",
        out.stderr
    );
    assert_eq!(s.w.rev(&wt, "HEAD"), before, "nothing committed");
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
    // JSON keeps the string whole, written so that no terminal acts on it (C1
    // controls and bidirectional marks are not escaped by JSON itself).
    let planted = domain.replace(
        "description: ''",
        "description: \"\\u009B2J \\u202Eharmless\\x7f\"",
    );
    s.w.edit_realm(REALM, &[("domains/s3-access/domain.yaml", &planted)]);
    s.realm(APERTURE, &["status", "--fetch"]).ok();
    let out = s
        .realm(APERTURE, &["domain", "show", "s3-access", "--json"])
        .ok();
    assert!(!has_raw_escape(&out.stdout), "{:?}", out.stdout);
    assert!(
        out.stdout.contains("\\u009b2J \\u202eharmless\\u007f"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.json()["description"],
        "\u{9b}2J \u{202e}harmless\u{7f}",
        "{}",
        out.stdout
    );
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
    // A value it cannot use is named, never read as the default (which would
    // refuse the file again, blaming its size).
    for bad in ["xyz", "0", "-5", "1.5m", "99999999999999999999", ""] {
        let setting = format!("realm.maxFileSize={bad}");
        let cmd = s.w.command(
            &s.w.path(APERTURE),
            "git",
            &["-c", &setting, "realm", "status"],
        );
        let out = s.w.run_cmd(cmd);
        assert_eq!(out.code, 2, "{bad:?}: {}", out.stderr);
        let named = format!("git config realm.maxFileSize: `{bad}` is not a size");
        assert!(out.stderr.contains(&named), "{bad:?}: {}", out.stderr);
    }
}

/// A binding's `verify` and `verify_files` run on the consumer's code: a rule the
/// command line would refuse is refused as it is read, naming the file and field.
#[test]
fn a_bad_verify_rule_in_a_binding_names_the_file_and_field() {
    let s = Story::new();
    let path = "domains/s3-access/bindings/fungal-image-analysis.yaml";
    let binding = s.show(path);
    assert!(binding.contains("  binding: stack.py\n"), "{binding}");
    let cases = [
        ("  verify: '('\n", "verify", "bad regex"),
        (
            "  verify: x\n  verify_files:\n  - .git/*\n",
            "verify_files",
            "nothing under .git/",
        ),
        (
            "  verify: x\n  verify_files:\n  - '[z-a]'\n",
            "verify_files",
            "[z-a]",
        ),
    ];
    for (fields, field, why) in cases {
        let text = binding.replace(
            "  binding: stack.py\n",
            &format!("  binding: stack.py\n{fields}"),
        );
        s.w.edit_realm(REALM, &[(path, &text)]);
        for args in [&["status", "--fetch"][..], &["check"], &["sync"]] {
            let out = s.realm(FUNGAL, args).code(2);
            let expected =
                format!("invalid {path}: field `{field}`: the import of s3-permissions: ");
            assert!(out.stderr.contains(&expected), "{args:?}\n{}", out.stderr);
            assert!(out.stderr.contains(why), "{args:?}\n{}", out.stderr);
        }
    }
}

/// libyaml takes the square of a file's length to read `[[[[…]]]]`: a realm file
/// under the size limit would cost minutes of every command. Such files are
/// refused before they are parsed, naming the file and the line.
#[test]
fn a_realm_file_nested_too_deep_is_refused_before_parsing() {
    let s = Story::new();
    let deep = |line: &str| format!("{line}{}{}", "[".repeat(400_000), "]".repeat(400_000));
    let domain = "domains/s3-access/domain.yaml";
    let text = s
        .show(domain)
        .replace("description: ''", &deep("description: "));
    s.w.edit_realm(REALM, &[(domain, &text)]);
    s.realm(FUNGAL, &["status", "--fetch"]).ok();
    for args in [&["domain", "show", "s3-access"][..], &["verify"]] {
        let out = s.realm(FUNGAL, args).code(2);
        assert!(
            out.stderr.contains(&format!(
                "invalid {domain}: nested deeper than 128 levels at line 2"
            )) || out.stdout.contains(&format!(
                "invalid {domain}: nested deeper than 128 levels at line 2"
            )),
            "{args:?}\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
    // realm.yaml is read by every command, first for its format.
    let realm = format!("{}{}\n", s.show("realm.yaml"), deep("extra: "));
    s.w.edit_realm(REALM, &[("realm.yaml", &realm)]);
    let out = s.realm(APERTURE, &["status", "--fetch"]).code(2);
    assert!(
        out.stderr.contains("realm.yaml") && out.stderr.contains("nested deeper than 128 levels"),
        "{}",
        out.stderr
    );
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

// ---------------------------------------------------------------------------
// Ownership and trust levels
// ---------------------------------------------------------------------------

/// Commit `files` onto the realm's main branch as `email` (with extra `git -c`
/// settings), the way someone with push access would; the push's result.
fn edit_realm_as(
    w: &World,
    realm_dir: &str,
    email: &str,
    config: &[&str],
    files: &[(&str, &str)],
) -> Run {
    let work = format!("edit-as-{}", email.replace('@', "-at-"));
    let _ = std::fs::remove_dir_all(w.path(&work));
    w.git(".", &["clone", "-q", realm_dir, &work]).ok();
    for (path, content) in files {
        w.write(&work, path, content);
        w.git(&work, &["add", path]).ok();
    }
    let mut args: Vec<&str> = vec!["-c", "user.name=Someone"];
    let who = format!("user.email={email}");
    args.extend(["-c", &who]);
    for c in config {
        args.extend(["-c", c]);
    }
    args.extend(["commit", "-q", "-m", "edit"]);
    w.git(&work, &args).ok();
    let out = w.git(&work, &["push", "-q", "origin", "main"]);
    std::fs::remove_dir_all(w.path(&work)).unwrap();
    out
}

/// A realm (`init ARGS`), aperture maintained by apy@example.com and fungal by
/// fun@example.com, aperture exporting s3-access/s3-permissions.
fn owned_story(init: &[&str]) -> World {
    let w = World::new();
    let mut args = vec!["init", "letemcook.git", "--bare", "--name", "letemcook"];
    args.extend_from_slice(init);
    w.realm(".", &args).ok();
    let realm = w.path(REALM).display().to_string();
    for (name, email) in [(APERTURE, "apy@example.com"), (FUNGAL, "fun@example.com")] {
        w.member(name);
        w.git(name, &["config", "user.email", email]).ok();
        w.realm(name, &["join", &realm]).ok();
    }
    w.realm(
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
    w.realm(
        APERTURE,
        &[
            "export",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--value",
            r#"{"read":["a/*"]}"#,
        ],
    )
    .ok();
    w
}

const CONTRACT: &str = "domains/s3-access/contracts/s3-permissions.yaml";

fn forged_contract(w: &World) -> String {
    let text = w
        .git(REALM, &["show", &format!("main:{CONTRACT}")])
        .ok()
        .stdout;
    text.replace("a/*", "everything/*")
}

#[test]
fn new_realms_are_owners_and_record_maintainers() {
    let w = owned_story(&[]);
    let realm = w.git(REALM, &["show", "main:realm.yaml"]).ok().stdout;
    assert!(realm.contains("trust: owners"), "{realm}");
    assert!(
        realm.contains("- test@example.com"),
        "the creator approves: {realm}"
    );
    let repo = w
        .git(REALM, &["show", "main:repos/aperture.yaml"])
        .ok()
        .stdout;
    assert!(repo.contains("- apy@example.com"), "{repo}");
    // `domain create --repos a,b` wrote no binding for b.
    assert!(
        !w.realm_files(REALM)
            .contains(&"domains/s3-access/bindings/fungal-image-analysis.yaml".to_owned())
    );
    w.realm(".", &["verify"]).code(2); // not a repository at all
    let out = w.realm(REALM, &["verify"]).ok();
    assert!(out.stdout.contains("verified"), "{}", out.stdout);

    // Maintainers are managed by the repository itself, and only there.
    w.realm(APERTURE, &["maintainer", "add", "bob@example.com"])
        .ok();
    let out = w.realm(APERTURE, &["maintainer", "--json"]).ok();
    assert_eq!(
        out.json()["maintainers"],
        serde_json::json!(["apy@example.com", "bob@example.com"])
    );
    w.realm(APERTURE, &["maintainer", "remove", "bob@example.com"])
        .ok();
    w.realm(APERTURE, &["maintainer", "remove", "apy@example.com"])
        .code(2);
    w.realm(REALM, &["verify"]).ok();
}

#[test]
fn a_contract_rewritten_by_a_non_maintainer_is_refused_by_verify_and_by_members() {
    let w = owned_story(&[]);
    let before = w.rev(APERTURE, "refs/realm/letemcook/main");
    edit_realm_as(
        &w,
        REALM,
        "fun@example.com",
        &[],
        &[(CONTRACT, &forged_contract(&w))],
    )
    .ok();
    let bad = w.rev(REALM, "main");

    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(out.stdout.contains(&bad[..7]), "{}", out.stdout);
    assert!(out.stdout.contains("fun@example.com"), "{}", out.stdout);
    assert!(out.stdout.contains(CONTRACT), "{}", out.stdout);
    assert!(out.stdout.contains("owners"), "{}", out.stdout);
    let json = w.realm(REALM, &["verify", "--json"]).code(1).json();
    assert_eq!(json["violations"][0]["file"], CONTRACT);

    // The provider's fetch refuses it: exit 3, its local copy stays, status says so.
    let out = w.realm(APERTURE, &["status", "--fetch"]).code(3);
    assert!(
        out.stderr.contains(CONTRACT) && out.stderr.contains("fun@example.com"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev(APERTURE, "refs/realm/letemcook/main"), before);
    let out = w.realm(APERTURE, &["status"]).ok();
    assert!(out.stdout.contains("refused"), "{}", out.stdout);
    w.realm(APERTURE, &["verify", "--fetch"]).code(1);
    // Other commands refuse to act on it too, and the provider's view is unchanged.
    w.realm(APERTURE, &["sync"]).code(3);

    // The realm is repaired by resetting its branch to the last state that
    // verified (a revert would leave the bad commit in the history members check).
    w.git(REALM, &["update-ref", "refs/heads/main", &before])
        .ok();
    w.realm(APERTURE, &["status", "--fetch"]).ok();
    let out = w.realm(APERTURE, &["status"]).ok();
    assert!(!out.stdout.contains("refused"), "{}", out.stdout);
    w.realm(REALM, &["verify"]).ok();
}

#[test]
fn each_fetched_commit_is_judged_by_the_policy_its_parent_had() {
    // Four commits fetched at once: the approver opens the realm, a
    // non-maintainer rewrites the contract (allowed then), the approver closes
    // it again, and the same rewrite comes again (refused now).
    let w = owned_story(&[]);
    let realm_yaml = w.git(REALM, &["show", "main:realm.yaml"]).ok().stdout;
    assert!(realm_yaml.contains("trust: owners"), "{realm_yaml}");
    let open = realm_yaml.replace("trust: owners", "trust: open");
    edit_realm_as(&w, REALM, "test@example.com", &[], &[("realm.yaml", &open)]).ok();
    let forged = forged_contract(&w);
    edit_realm_as(&w, REALM, "fun@example.com", &[], &[(CONTRACT, &forged)]).ok();
    let allowed = w.rev(REALM, "main");
    edit_realm_as(
        &w,
        REALM,
        "test@example.com",
        &[],
        &[("realm.yaml", &realm_yaml)],
    )
    .ok();
    let again = forged.replace("everything/*", "everything-else/*");
    edit_realm_as(&w, REALM, "fun@example.com", &[], &[(CONTRACT, &again)]).ok();
    let refused = w.rev(REALM, "main");

    let json = w.realm(REALM, &["verify", "--json"]).code(1).json();
    let commits: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, [refused.as_str()], "{json}");
    let out = w.realm(APERTURE, &["status", "--fetch"]).code(3);
    assert!(out.stderr.contains(&refused[..7]), "{}", out.stderr);
    assert!(!out.stderr.contains(&allowed[..7]), "{}", out.stderr);
}

#[test]
fn the_pre_receive_hook_refuses_a_bad_push_at_the_source() {
    let w = owned_story(&["--hooks"]);
    assert!(w.path("letemcook.git/hooks/pre-receive").exists());
    let out = edit_realm_as(
        &w,
        REALM,
        "fun@example.com",
        &[],
        &[(CONTRACT, &forged_contract(&w))],
    );
    assert_ne!(out.code, 0, "the push was accepted");
    assert!(
        out.stderr.contains(CONTRACT) && out.stderr.contains("owners"),
        "{}",
        out.stderr
    );
    // The owner's own writes go through.
    let out = w.realm(
        APERTURE,
        &[
            "export",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--value",
            r#"{"read":["a/*","b/*"]}"#,
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    w.git(APERTURE, &["commit", "-q", "-m", "export"]).ok();
    let out = w.realm(APERTURE, &["sync", "--no-notify"]).ok();
    assert!(out.stdout.contains("1.1.0"), "{}", out.stdout);

    w.realm(REALM, &["verify"]).ok();
    // Joining as another repository (same url) and syncing as it is refused too.
    w.git(
        ".",
        &[
            "clone",
            "-q",
            "remotes/fungal-image-analysis.git",
            "impostor",
        ],
    )
    .ok();
    w.git("impostor", &["config", "user.email", "fun@example.com"])
        .ok();
    let url = w.path("remotes/aperture.git").display().to_string();
    let realm = w.path(REALM).display().to_string();
    w.realm(
        "impostor",
        &["join", &realm, "--as", APERTURE, "--url", &url],
    )
    .ok();
    let out = w.realm(
        "impostor",
        &[
            "export",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--value",
            r#"{"read":["*"]}"#,
        ],
    );
    // Declaring is local (`.realm/exports.yaml`); publishing is refused.
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    w.git("impostor", &["commit", "-q", "-m", "export"]).ok();
    // (--force: its history does not hold the commit the contract came from.)
    let out = w.realm("impostor", &["sync", "--no-notify", "--force"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("owners"), "{}", out.stderr);
    w.realm(REALM, &["verify"]).ok();
    // A history rewrite of the realm branch is refused.
    let out = w.git(REALM, &["update-ref", "refs/heads/keep", "main"]);
    out.ok();
}

fn ssh_keygen(w: &World, name: &str) -> Option<String> {
    let path = w.path(&format!("keys/{name}"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(format!("{}.pub", path.display()))
}

#[test]
fn the_walkthrough_plays_under_trust_signed_and_unsigned_or_wrongly_signed_commits_are_refused() {
    let w = World::new();
    let Some(lead) = ssh_keygen(&w, "lead") else {
        eprintln!("ssh-keygen is not installed: skipping");
        return;
    };
    let apy = ssh_keygen(&w, "apy").unwrap();
    let fun = ssh_keygen(&w, "fun").unwrap();
    let attacker = ssh_keygen(&w, "attacker").unwrap();
    // Signing set up as git documents it: an ssh key, gpg.format ssh.
    w.git(".", &["config", "--global", "gpg.format", "ssh"])
        .ok();
    w.git(".", &["config", "--global", "user.signingkey", &lead])
        .ok();
    w.realm(
        ".",
        &[
            "init",
            "letemcook.git",
            "--bare",
            "--hooks",
            "--name",
            "letemcook",
            "--trust",
            "signed",
        ],
    )
    .ok();
    let realm = w.path(REALM).display().to_string();
    for (name, email, key) in [
        (APERTURE, "apy@example.com", &apy),
        (FUNGAL, "fun@example.com", &fun),
    ] {
        w.member(name);
        w.git(name, &["config", "user.email", email]).ok();
        w.git(name, &["config", "user.signingkey", key]).ok();
        w.realm(name, &["join", &realm]).ok();
    }
    let repo = w
        .git(REALM, &["show", "main:repos/aperture.yaml"])
        .ok()
        .stdout;
    assert!(
        repo.contains("ssh-ed25519 "),
        "the joiner's key is recorded: {repo}"
    );

    // The walkthrough: a domain, an export extracted from code, an import whose
    // binding satisfies it, a change in the code, sync, the consumer goes stale,
    // resolves, and all is current. Every write passes the hook.
    w.realm(
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
    w.write(
        APERTURE,
        "paths.py",
        "read(\"s3://bucket/jobs/*/masks/*\")\n",
    );
    w.git(APERTURE, &["add", "paths.py"]).ok();
    w.git(APERTURE, &["commit", "-q", "-m", "S3 paths"]).ok();
    let extract = r#"read=*.py=read\("s3://bucket/([^"]+)"\)"#;
    w.realm(
        APERTURE,
        &[
            "export",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--extract-key",
            extract,
        ],
    )
    .ok();
    w.write(FUNGAL, "stack.py", "grants = ['jobs/*/masks/*']\n");
    w.git(FUNGAL, &["add", "stack.py"]).ok();
    w.git(FUNGAL, &["commit", "-q", "-m", "grants"]).ok();
    w.realm(
        FUNGAL,
        &[
            "import",
            "s3-permissions",
            "--domain",
            "s3-access",
            "--requires",
            ">=1.0.0",
            "--binding",
            "stack.py",
            "--verify",
            "'([^']+)'",
        ],
    )
    .ok();
    w.realm(FUNGAL, &["check"]).ok();
    w.write(
        APERTURE,
        "paths.py",
        "read(\"s3://bucket/jobs/*/masks/*\")\nread(\"s3://bucket/metrics/*\")\n",
    );
    w.git(APERTURE, &["commit", "-q", "-am", "metrics"]).ok();
    w.realm(APERTURE, &["check"]).code(1);
    let out = w.realm(APERTURE, &["sync", "--no-notify"]).ok();
    assert!(out.stdout.contains("1.1.0"), "{}", out.stdout);
    let out = w.realm(FUNGAL, &["check", "--fetch"]).code(1);
    assert!(out.stdout.contains("stale"), "{}", out.stdout);
    w.write(
        FUNGAL,
        "stack.py",
        "grants = ['jobs/*/masks/*', 'metrics/*']\n",
    );
    w.git(FUNGAL, &["commit", "-q", "-am", "grant metrics"])
        .ok();
    w.realm(FUNGAL, &["sync"]).ok();
    w.realm(FUNGAL, &["check"]).ok();
    w.realm(APERTURE, &["check", "--fetch"]).ok();
    // Every realm commit is signed, and verifies: in the realm and in each member.
    let out = w.realm(REALM, &["verify"]).ok();
    assert!(out.stdout.contains("trust signed"), "{}", out.stdout);
    // And git itself agrees, given the keys as an allowed-signers file.
    let mut signers = String::new();
    for (email, key) in [
        ("test@example.com", &lead),
        ("apy@example.com", &apy),
        ("fun@example.com", &fun),
    ] {
        let public = std::fs::read_to_string(key).unwrap();
        signers.push_str(&format!("{email} {public}"));
    }
    w.write(".", "allowed_signers", &signers);
    let allowed = format!(
        "gpg.ssh.allowedSignersFile={}",
        w.path("allowed_signers").display()
    );
    let log = w
        .git(
            REALM,
            &["-c", &allowed, "log", "--format=%h %ae %G?", "main"],
        )
        .ok()
        .stdout;
    assert!(
        log.lines().count() >= 8 && log.lines().all(|l| l.ends_with(" G")),
        "every realm commit has a good signature:\n{log}"
    );
    for member in [APERTURE, FUNGAL] {
        w.realm(member, &["verify", "--fetch"]).ok();
    }

    // The maintainer's e-mail, but no signature: the hook refuses the push.
    let mine = w
        .git(REALM, &["show", &format!("main:{CONTRACT}")])
        .ok()
        .stdout
        .replace("metrics/*", "everything/*");
    let out = edit_realm_as(
        &w,
        REALM,
        "apy@example.com",
        &["commit.gpgsign=false"],
        &[(CONTRACT, &mine)],
    );
    assert_ne!(out.code, 0, "an unsigned commit was accepted");
    assert!(out.stderr.contains("not signed"), "{}", out.stderr);
    // Where no hook runs, verify and every member's fetch refuse it.
    let good = w.rev(REALM, "main");
    std::fs::remove_file(w.path("letemcook.git/hooks/pre-receive")).unwrap();
    edit_realm_as(
        &w,
        REALM,
        "apy@example.com",
        &["commit.gpgsign=false"],
        &[(CONTRACT, &mine)],
    )
    .ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(out.stdout.contains("not signed"), "{}", out.stdout);
    let out = w.realm(FUNGAL, &["status", "--fetch"]).code(3);
    assert!(out.stderr.contains("not signed"), "{}", out.stderr);
    assert_eq!(w.rev(FUNGAL, "refs/realm/letemcook/main"), good);

    // Signed, but with a key nobody recorded for apy.
    w.git(REALM, &["update-ref", "refs/heads/main", &good]).ok();
    let w2_key = format!("user.signingkey={attacker}");
    edit_realm_as(
        &w,
        REALM,
        "apy@example.com",
        &["commit.gpgsign=true", "gpg.format=ssh", &w2_key],
        &[(CONTRACT, &mine.replace("everything", "all"))],
    )
    .ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(
        out.stdout.contains("not made by a key recorded"),
        "{}",
        out.stdout
    );
    let out = w.realm(APERTURE, &["status", "--fetch"]).code(3);
    assert!(
        out.stderr.contains("not made by a key recorded"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------
// Admission by approval, and a realm hosted on GitHub
// ---------------------------------------------------------------------------

/// In a clone of the realm as `email`: merge `branch` into main with a real merge
/// commit and push it; the push's result.
fn merge_proposal_as(w: &World, email: &str, branch: &str) -> Run {
    let work = format!("merge-as-{}", email.replace('@', "-at-"));
    let _ = std::fs::remove_dir_all(w.path(&work));
    w.git(".", &["clone", "-q", REALM, &work]).ok();
    let who = format!("user.email={email}");
    w.git(
        &work,
        &[
            "-c",
            "user.name=Someone",
            "-c",
            &who,
            "merge",
            "-q",
            "--no-ff",
            "-m",
            &format!("Merge {branch}"),
            &format!("origin/{branch}"),
        ],
    )
    .ok();
    let out = w.git(&work, &["push", "-q", "origin", "main"]);
    std::fs::remove_dir_all(w.path(&work)).unwrap();
    out
}

#[test]
fn a_join_proposal_merged_by_an_approver_is_verified_accepted_and_adopted() {
    let w = World::new();
    // lead@example.com creates and approves; the server runs the hook.
    w.git(
        ".",
        &["config", "--global", "user.email", "lead@example.com"],
    )
    .ok();
    w.realm(
        ".",
        &[
            "init",
            REALM,
            "--name",
            "letemcook",
            "--admission",
            "approval",
            "--hooks",
            "--github",
        ],
    )
    .ok();
    let realm = w.path(REALM).display().to_string();
    for (name, email) in [(APERTURE, "apy@example.com"), (FUNGAL, "fun@example.com")] {
        w.member(name);
        w.git(name, &["config", "user.email", email]).ok();
    }

    // aperture asks to join: a proposal branch, nothing on main.
    let out = w.realm(APERTURE, &["join", &realm]).ok();
    assert!(out.stdout.contains("join/aperture"), "{}", out.stdout);
    assert!(
        !w.realm_files(REALM)
            .contains(&"repos/aperture.yaml".to_owned())
    );
    // The proposal carries the CODEOWNERS its registration generates.
    let proposed = w
        .git(REALM, &["show", "join/aperture:.github/CODEOWNERS"])
        .ok()
        .stdout;
    assert!(
        proposed.contains("/repos/aperture.yaml apy@example.com"),
        "{proposed}"
    );

    // The approver merges it (a real merge commit): the hook accepts the push.
    merge_proposal_as(&w, "lead@example.com", "join/aperture").ok();
    let main = w.rev(REALM, "main");
    assert_eq!(w.rev(REALM, "main^2"), w.rev(REALM, "join/aperture"));
    let out = w.realm(REALM, &["verify"]).ok();
    assert!(out.stdout.contains("trust owners"), "{}", out.stdout);
    // aperture's fetch verifies and adopts it; joining again only restores config.
    w.realm(APERTURE, &["status", "--fetch"]).ok();
    assert_eq!(w.rev(APERTURE, "refs/realm/letemcook/main"), main);
    let out = w.realm(APERTURE, &["join", &realm]).ok();
    assert!(out.stdout.contains("already registered"), "{}", out.stdout);
    w.realm(APERTURE, &["verify"]).ok();

    // fungal proposes, and merges its own proposal: the hook refuses the push.
    w.realm(FUNGAL, &["join", &realm]).ok();
    let out = merge_proposal_as(&w, "fun@example.com", "join/fungal-image-analysis");
    assert_ne!(out.code, 0, "a non-approver's merge was accepted");
    assert!(
        out.stderr.contains("only an approver merges"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev(REALM, "main"), main);
    // Where no hook runs (say, GitHub), verify and every member's fetch refuse it.
    std::fs::remove_file(w.path("letemcook.git/hooks/pre-receive")).unwrap();
    merge_proposal_as(&w, "fun@example.com", "join/fungal-image-analysis").ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(
        out.stdout.contains("fun@example.com") && out.stdout.contains("only an approver merges"),
        "{}",
        out.stdout
    );
    let out = w.realm(APERTURE, &["status", "--fetch"]).code(3);
    assert!(
        out.stderr.contains("only an approver merges"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev(APERTURE, "refs/realm/letemcook/main"), main);
}

#[test]
fn init_github_writes_codeowners_that_follow_maintainers_and_only_approvers_edit_by_hand() {
    let w = owned_story(&[
        "--github",
        "--install",
        "curl -sSf https://example.com/install | sh",
    ]);
    let files = w.realm_files(REALM);
    for f in [".github/CODEOWNERS", ".github/workflows/realm-verify.yml"] {
        assert!(files.contains(&f.to_owned()), "{f} in {files:?}");
    }
    let show = |rev: &str, path: &str| {
        w.git(REALM, &["show", &format!("{rev}:{path}")])
            .ok()
            .stdout
    };
    let first = w
        .git(REALM, &["rev-list", "--max-parents=0", "main"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    let created = show(&first, ".github/CODEOWNERS");
    assert!(created.contains("\n* test@example.com\n"), "{created}");
    assert!(
        created.contains("\n/realm.yaml test@example.com\n"),
        "{created}"
    );
    assert!(!created.contains("/repos/"), "{created}");
    let workflow = show(&first, ".github/workflows/realm-verify.yml");
    assert!(
        workflow.contains("run: 'curl -sSf https://example.com/install | sh'"),
        "{workflow}"
    );
    // Each join added its repository's owners.
    let joined = show("main", ".github/CODEOWNERS");
    for line in [
        "/repos/aperture.yaml apy@example.com",
        "/domains/*/bindings/aperture.yaml apy@example.com",
        "/repos/fungal-image-analysis.yaml fun@example.com",
        "/domains/*/bindings/fungal-image-analysis.yaml fun@example.com",
    ] {
        assert!(joined.contains(&format!("\n{line}\n")), "{line}: {joined}");
    }

    // A maintainer added, then removed: CODEOWNERS follows, in the same commits.
    w.realm(APERTURE, &["maintainer", "add", "bob@example.com"])
        .ok();
    let added = show("main", ".github/CODEOWNERS");
    assert!(
        added.contains("\n/repos/aperture.yaml apy@example.com bob@example.com\n"),
        "{added}"
    );
    w.realm(APERTURE, &["maintainer", "remove", "bob@example.com"])
        .ok();
    assert_eq!(show("main", ".github/CODEOWNERS"), joined);
    let changed = w
        .git(REALM, &["show", "--name-only", "--format=", "main"])
        .ok()
        .stdout;
    assert!(
        changed.contains(".github/CODEOWNERS") && changed.contains("repos/aperture.yaml"),
        "{changed}"
    );
    // Those regenerations were written by maintainers, not approvers: they verify.
    w.realm(REALM, &["verify"]).ok();
    w.realm(FUNGAL, &["status", "--fetch"]).ok();

    // The workflow's own commands work in a CI checkout: detached, no local main.
    let good = w.rev(REALM, "main");
    w.git(".", &["clone", "-q", REALM, "ci"]).ok();
    w.git("ci", &["checkout", "-q", "--detach", &good]).ok();
    w.git("ci", &["branch", "-q", "-D", "main"]).ok();
    for run in workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: git realm verify "))
    {
        let mut cmd = w.command(
            &w.path("ci"),
            "sh",
            &["-c", &format!("git realm verify {run}")],
        );
        cmd.env("GITHUB_SHA", &good)
            .env("BASE", &first)
            .env("HEAD", &good);
        let out = w.run_cmd(cmd).ok();
        assert!(out.stdout.contains("verified"), "{run}: {}", out.stdout);
    }

    // fungal's maintainer hand-edits CODEOWNERS to own aperture's files.
    let forged = joined.replace(
        "/repos/aperture.yaml apy@example.com",
        "/repos/aperture.yaml fun@example.com",
    );
    edit_realm_as(
        &w,
        REALM,
        "fun@example.com",
        &[],
        &[(".github/CODEOWNERS", &forged)],
    )
    .ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(
        out.stdout.contains(".github/CODEOWNERS") && out.stdout.contains("fun@example.com"),
        "{}",
        out.stdout
    );
    let out = w.realm(APERTURE, &["status", "--fetch"]).code(3);
    assert!(out.stderr.contains(".github/CODEOWNERS"), "{}", out.stderr);
    // So is the workflow, which only the approvers change.
    w.git(REALM, &["update-ref", "refs/heads/main", &good]).ok();
    edit_realm_as(
        &w,
        REALM,
        "fun@example.com",
        &[],
        &[(".github/workflows/realm-verify.yml", "name: nothing\n")],
    )
    .ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(
        out.stdout.contains("realm-verify.yml") && out.stdout.contains("approvers"),
        "{}",
        out.stdout
    );
    // An approver may edit both by hand.
    w.git(REALM, &["update-ref", "refs/heads/main", &good]).ok();
    edit_realm_as(
        &w,
        REALM,
        "test@example.com",
        &[],
        &[(".github/CODEOWNERS", &forged)],
    )
    .ok();
    w.realm(REALM, &["verify"]).ok();
}

/// A fresh OpenPGP signing key for `email` in the test's own keyring (`HOME` is
/// the test's), its fingerprint; `None` when gpg is not installed.
fn gpg_key(w: &World, email: &str) -> Option<String> {
    let gen_key = w
        .command(
            &w.path("."),
            "gpg",
            &[
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--quick-gen-key",
                email,
                "ed25519",
                "sign",
                "never",
            ],
        )
        .output()
        .ok()?;
    assert!(
        gen_key.status.success(),
        "{}",
        String::from_utf8_lossy(&gen_key.stderr)
    );
    let listed = w.run_cmd(w.command(
        &w.path("."),
        "gpg",
        &["--batch", "--with-colons", "--list-secret-keys", email],
    ));
    listed
        .ok()
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .map(|rest| rest.trim_matches(':').to_owned())
}

#[test]
fn a_signed_realm_works_with_openpgp_keys_as_git_verifies_them() {
    let w = World::new();
    let Some(lead) = gpg_key(&w, "lead@example.com") else {
        eprintln!("gpg is not installed: skipping");
        return;
    };
    let apy = gpg_key(&w, "apy@example.com").unwrap();
    let stranger = gpg_key(&w, "stranger@example.com").unwrap();
    // gpg.format is openpgp by default; only the key is configured.
    w.git(
        ".",
        &["config", "--global", "user.email", "lead@example.com"],
    )
    .ok();
    w.git(".", &["config", "--global", "user.signingkey", &lead])
        .ok();
    w.realm(
        ".",
        &[
            "init",
            "letemcook.git",
            "--hooks",
            "--name",
            "letemcook",
            "--trust",
            "signed",
        ],
    )
    .ok();
    let realm = w.path(REALM).display().to_string();
    w.member(APERTURE);
    w.git(APERTURE, &["config", "user.email", "apy@example.com"])
        .ok();
    w.git(APERTURE, &["config", "user.signingkey", &apy]).ok();
    w.realm(APERTURE, &["join", &realm]).ok();
    let repo = w
        .git(REALM, &["show", "main:repos/aperture.yaml"])
        .ok()
        .stdout;
    assert!(
        repo.contains(&apy),
        "the joiner's fingerprint is recorded: {repo}"
    );
    w.realm(
        APERTURE,
        &["domain", "create", "s3-access", "--repos", APERTURE],
    )
    .ok();
    w.realm(
        APERTURE,
        &[
            "export",
            "paths",
            "--domain",
            "s3-access",
            "--value",
            r#"["a"]"#,
        ],
    )
    .ok();
    // Every realm commit is signed with the key recorded for its author.
    w.realm(REALM, &["verify", "--all"]).ok();
    let shown = w
        .git(REALM, &["log", "--format=%G? %ae", "main"])
        .ok()
        .stdout;
    assert!(
        shown.lines().all(|l| l.starts_with("G ")),
        "every realm commit has a good signature: {shown}"
    );

    // A commit signed by a key nobody recorded is refused by the hook, and, pushed
    // past it, by verify and by a member's fetch.
    let forged = format!("user.signingkey={stranger}");
    let out = edit_realm_as(
        &w,
        REALM,
        "apy@example.com",
        &[&forged, "commit.gpgsign=true"],
        &[("repos/aperture.yaml", &repo.replace("apy@", "apy2@"))],
    );
    assert_ne!(out.code, 0, "the hook accepted a stranger's signature");
    std::fs::remove_file(w.path("letemcook.git/hooks/pre-receive")).unwrap();
    let before = w
        .git(APERTURE, &["rev-parse", "refs/realm/letemcook/main"])
        .ok()
        .stdout;
    edit_realm_as(
        &w,
        REALM,
        "apy@example.com",
        &[&forged, "commit.gpgsign=true"],
        &[("repos/aperture.yaml", &repo.replace("apy@", "apy2@"))],
    )
    .ok();
    let out = w.realm(REALM, &["verify"]).code(1);
    assert!(
        out.stdout
            .contains("not made by a key recorded for apy@example.com"),
        "{}",
        out.stdout
    );
    w.realm(APERTURE, &["status", "--fetch"]);
    let after = w
        .git(APERTURE, &["rev-parse", "refs/realm/letemcook/main"])
        .ok()
        .stdout;
    assert_eq!(before, after, "the member did not adopt the forged state");
}

/// A repository someone else owns is refused as git refuses it ("dubious
/// ownership"): its config is theirs, and a realm url in it (`ext::` with
/// `protocol.ext.allow`) would run their command. `safe.directory` in the user's
/// own config lets it in, as in git. Needs root, to give the repository away.
#[test]
fn a_repository_someone_else_owns_is_refused_unless_safe_directory_names_it() {
    use std::os::unix::fs::MetadataExt;
    let w = World::new();
    w.member("shared");
    if std::fs::metadata(w.path("shared")).unwrap().uid() != 0 {
        eprintln!("not root: cannot give a repository to another user; skipping");
        return;
    }
    let pwned = w.path("pwned");
    let ext = format!("ext::sh -c touch% {}", pwned.display());
    for (k, v) in [
        ("realm.evil.url", ext.as_str()),
        ("realm.evil.member", "shared"),
        ("protocol.ext.allow", "always"),
    ] {
        w.git("shared", &["config", k, v]).ok();
    }
    let nobody = 65534;
    let chown_all = |dir: &std::path::Path| {
        let out = std::process::Command::new("chown")
            .args(["-R", &nobody.to_string()])
            .arg(dir)
            .status()
            .unwrap();
        assert!(out.success());
    };
    chown_all(&w.path("shared"));
    for args in [
        &["status", "--fetch"][..],
        &["sync"],
        &["verify", "--fetch"],
    ] {
        let out = w.realm("shared", args).code(2);
        assert!(
            out.stderr.contains("dubious ownership") && out.stderr.contains("safe.directory"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!pwned.exists(), "{args:?} ran the owner's command");
    }
    // The user vouches for it: it is theirs to use, as in git.
    let global = w.path("home/gitconfig").display().to_string();
    let shared = w.path("shared").display().to_string();
    w.git(
        ".",
        &[
            "config",
            "--file",
            &global,
            "--add",
            "safe.directory",
            &shared,
        ],
    )
    .ok();
    let out = w.realm("shared", &["status"]);
    assert!(!out.stderr.contains("dubious ownership"), "{}", out.stderr);
}

/// A write that every member would refuse is refused before it is published: a
/// sync from CI under a bot's identity, which is no maintainer of the repository
/// in an `owners` realm, would otherwise stop the realm for everyone (exit 3 at
/// every member's next fetch).
#[test]
fn a_write_members_would_refuse_is_never_published() {
    let s = Story::new();
    let contract_path = "domains/s3-access/contracts/s3-permissions.yaml";
    let before = s.w.rev(REALM, "main");
    s.w.write(
        APERTURE,
        "perms.yaml",
        "read: [jobs/*/masks/*, jobs/*/logs/*]\n",
    );
    s.w.git(APERTURE, &["commit", "-q", "-am", "logs too"]).ok();
    let mut cmd = s.w.command(
        &s.w.path(APERTURE),
        "git",
        &[
            "-c",
            "user.name=git-realm",
            "-c",
            "user.email=git-realm@users.noreply.github.com",
            "realm",
            "sync",
        ],
    );
    cmd.envs(s.gh.env());
    let out = s.w.run_cmd(cmd).code(3);
    assert!(
        out.stderr.contains("every member would refuse")
            && out.stderr.contains(contract_path)
            && out.stderr.contains("git-realm@users.noreply.github.com"),
        "{}",
        out.stderr
    );
    assert_eq!(s.w.rev(REALM, "main"), before, "nothing was published");
    // The maintainer's own sync publishes it, and the members adopt it.
    s.realm(APERTURE, &["sync"]).ok();
    assert!(s.show(contract_path).contains("logs"));
    s.realm(FUNGAL, &["status", "--fetch"]).ok();
}

/// GitHub annotations (a CI log renders ANSI) and the step summary show realm
/// text with its control and bidi characters made visible, as every other
/// output does.
#[test]
fn github_annotations_escape_realm_text() {
    let s = Story::new();
    // fungal's binding is checked for the items it provides.
    s.import(&["--verify", "jobs/[^']+"]);
    let path = "domains/s3-access/contracts/s3-permissions.yaml";
    let contract = s.show(path);
    let planted = contract
        .replacen("version: 1.0.0\n", "version: 1.1.0\n", 1)
        .replacen(
            "- jobs/*/masks/*\n",
            "- jobs/*/masks/*\n  - \"\\e]0;owned\\a\\e[2J\\u009b1m\\u202Eevil\"\n",
            1,
        );
    assert_ne!(planted, contract, "{contract}");
    s.w.edit_realm(REALM, &[(path, &planted)]);
    let summary = s.w.path("summary.md");
    let out = s.w.realm_env(
        FUNGAL,
        &["check", "--fetch", "--format", "github"],
        &[(
            "GITHUB_STEP_SUMMARY".to_owned(),
            summary.display().to_string(),
        )],
    );
    assert!(
        out.stdout.contains("does not provide"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.contains("\\x1b]0;owned"), "{}", out.stdout);
    assert!(!has_raw_escape(&out.stdout), "{:?}", out.stdout);
    let md = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(!has_raw_escape(&md), "{md:?}");
}

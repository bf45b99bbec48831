//! The foundation, told as stories: a realm is created, repositories join it (one
//! by one, again from a fresh clone, eight at once), bad realm data is refused with
//! the file and field named, and a push that loses a race is re-applied.

mod common;

use common::World;

#[test]
fn two_repos_join_and_a_fresh_clone_rejoins_without_duplicates() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.member("fungal-image-analysis");

    let out = w.realm("aperture", &["join", &realm]).ok();
    assert!(
        out.stdout
            .contains("Registered aperture in realm 'letemcook'"),
        "{}",
        out.stdout
    );
    w.realm("fungal-image-analysis", &["join", &realm]).ok();

    let files = w.realm_files("letemcook.git");
    assert_eq!(
        files,
        [
            "realm.yaml",
            "repos/aperture.yaml",
            "repos/fungal-image-analysis.yaml"
        ]
    );
    let log = w.realm_log("letemcook.git");
    assert_eq!(
        log,
        [
            "fungal-image-analysis: join realm",
            "aperture: join realm",
            "letemcook: create realm"
        ]
    );

    // The registration holds the shareable origin url, the maintainer and the date.
    let repo_yaml = w
        .git("letemcook.git", &["show", "main:repos/aperture.yaml"])
        .ok()
        .stdout;
    let origin = w.path("remotes/aperture.git").display().to_string();
    assert_eq!(
        repo_yaml,
        format!(
            "name: aperture\nurl: {origin}\nmaintainers:\n- test@example.com\njoined_at: 2026-01-24T10:00:00Z\n"
        )
    );

    // Local config, notes rewriting, the local copy of the realm.
    assert_eq!(
        w.git("aperture", &["config", "realm.letemcook.url"])
            .ok()
            .stdout
            .trim(),
        realm
    );
    assert_eq!(
        w.git("aperture", &["config", "realm.letemcook.member"])
            .ok()
            .stdout
            .trim(),
        "aperture"
    );
    assert_eq!(
        w.git("aperture", &["config", "notes.rewriteRef"])
            .ok()
            .stdout
            .trim(),
        "refs/notes/realm"
    );
    // aperture's local copy is the realm as aperture last saw it: right after its join.
    assert_eq!(
        w.rev("aperture", "refs/realm/letemcook/main"),
        w.rev("letemcook.git", "main~1")
    );
    assert_eq!(
        w.rev("fungal-image-analysis", "refs/realm/letemcook/main"),
        w.rev("letemcook.git", "main")
    );

    // A teammate clones aperture afresh and joins: nothing new in the realm.
    w.git(
        ".",
        &["clone", "-q", "remotes/aperture.git", "aperture-teammate"],
    )
    .ok();
    let before = w.rev("letemcook.git", "main");
    let out = w.realm("aperture-teammate", &["join", &realm]).ok();
    assert!(
        out.stdout.contains("aperture is already registered"),
        "{}",
        out.stdout
    );
    assert_eq!(
        w.rev("letemcook.git", "main"),
        before,
        "a re-join must not write"
    );
    assert_eq!(w.realm_files("letemcook.git").len(), 3);
    assert_eq!(
        w.git("aperture-teammate", &["config", "realm.letemcook.member"])
            .ok()
            .stdout
            .trim(),
        "aperture"
    );

    // Joining twice from the same clone is a no-op too.
    w.realm("aperture", &["join", &realm]).ok();
    assert_eq!(w.rev("letemcook.git", "main"), before);

    // The index knows the realm and every local checkout.
    let list = w.realm(".", &["list", "--json"]).ok().json();
    let realms = list["realms"].as_array().unwrap();
    assert_eq!(realms.len(), 1);
    assert_eq!(realms[0]["name"], "letemcook");
    let checkouts: Vec<String> = realms[0]["checkouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}@{}",
                c["repo"].as_str().unwrap(),
                c["path"].as_str().unwrap().rsplit('/').next().unwrap()
            )
        })
        .collect();
    assert_eq!(
        checkouts,
        [
            "aperture@aperture",
            "fungal-image-analysis@fungal-image-analysis"
        ]
    );

    // status reads the local copy.
    let status = w
        .realm("fungal-image-analysis", &["status", "--json"])
        .ok()
        .json();
    assert_eq!(status["realms"][0]["registered"], true);
    assert_eq!(status["realms"][0]["member"], "fungal-image-analysis");
    assert!(
        status["realms"][0]["local_copy"]["age_seconds"]
            .as_i64()
            .unwrap()
            >= 0
    );
}

#[test]
fn eight_repositories_join_at_once_and_all_land() {
    let w = World::new();
    let realm = w.bare_realm("busy");
    let names: Vec<String> = (1..=8).map(|i| w.member(&format!("repo-{i}"))).collect();

    let children: Vec<_> = names
        .iter()
        .map(|n| {
            w.command(&w.path(n), "git", &["realm", "join", &realm, "-v"])
                .output_spawn()
        })
        .collect();
    for (name, child) in names.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{name} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let files = w.realm_files("busy.git");
    for n in &names {
        assert!(
            files.contains(&format!("repos/{n}.yaml")),
            "{n} missing from {files:?}"
        );
    }
    assert_eq!(
        w.realm_log("busy.git").len(),
        9,
        "one commit per join plus the creation"
    );
    let list = w.realm(".", &["list", "--json"]).ok().json();
    assert_eq!(
        list["realms"][0]["checkouts"].as_array().unwrap().len(),
        8,
        "every join recorded in the index"
    );
}

trait SpawnPiped {
    fn output_spawn(self) -> std::process::Child;
}

impl SpawnPiped for std::process::Command {
    fn output_spawn(mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn a_lost_push_race_is_reapplied_on_the_new_state() {
    let w = World::new();
    let realm = w.bare_realm("racy");
    w.member("aperture");
    w.member("fungal");

    // While aperture's push is being received, fungal joins first (once): the realm
    // moves under aperture's feet, so its push is refused and must be re-applied.
    let env: String = w.env().iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
    let marker = w.path("raced");
    let fungal = w.path("fungal");
    w.write_exe(
        "racy.git/hooks/pre-receive",
        &format!(
            "#!/bin/sh\ncat >/dev/null\nif [ ! -e '{m}' ]; then\n  touch '{m}'\n  cd '{f}' && env -i {env} git realm join '{realm}' >/dev/null 2>&1 || exit 1\nfi\nexit 0\n",
            m = marker.display(),
            f = fungal.display()
        ),
    );

    let out = w.realm("aperture", &["join", &realm, "-v"]).ok();
    assert!(marker.exists(), "the race was not staged");
    assert!(
        out.stderr.contains("re-applying on the new state"),
        "no retry happened:\n{}",
        out.stderr
    );
    assert_eq!(
        w.realm_log("racy.git"),
        [
            "aperture: join realm",
            "fungal: join realm",
            "racy: create realm"
        ]
    );
    assert_eq!(
        w.realm_files("racy.git"),
        ["realm.yaml", "repos/aperture.yaml", "repos/fungal.yaml"]
    );
    assert_eq!(
        w.rev("aperture", "refs/realm/racy/main"),
        w.rev("racy.git", "main")
    );
}

#[test]
fn a_push_the_realm_refuses_is_reported_and_nothing_is_written() {
    let w = World::new();
    let realm = w.bare_realm("strict");
    w.member("aperture");
    w.write_exe(
        "strict.git/hooks/pre-receive",
        "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n",
    );
    let before = w.rev("strict.git", "main");

    let out = w.realm("aperture", &["join", &realm]).code(3);
    assert!(out.stderr.contains("refused the update"), "{}", out.stderr);
    assert_eq!(w.rev("strict.git", "main"), before);
    assert_eq!(
        w.rev("aperture", "refs/realm/strict/main"),
        before,
        "the local copy must not claim the write"
    );
    assert_eq!(
        w.git("aperture", &["config", "realm.strict.url"]).code,
        1,
        "no config for a failed join"
    );
}

/// Plant `files` in a realm, then check that `args` in a member fails with exit 2,
/// naming `file` and `field`, and writes nothing.
fn assert_refused(files: &[(&str, &str)], args: &[&str], file: &str, field: &str) {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.member("fungal");
    w.realm("fungal", &["join", &realm]).ok();
    w.edit_realm("letemcook.git", files);
    let before = w.rev("letemcook.git", "main");

    let mut full: Vec<&str> = args.to_vec();
    if full == ["join"] {
        full.push(&realm);
    }
    let dir = if args[0] == "join" {
        "aperture"
    } else {
        "fungal"
    };
    let out = w.realm(dir, &full).code(2);
    assert!(
        out.stderr.contains(file),
        "the error must name {file}:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("`{field}`")),
        "the error must name the field {field}:\n{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert_eq!(
        w.rev("letemcook.git", "main"),
        before,
        "nothing may be written"
    );
    if args[0] == "join" {
        assert_eq!(
            w.git("aperture", &["config", "realm.letemcook.url"]).code,
            1,
            "no config for a refused join"
        );
    } else {
        assert_eq!(
            w.git("fungal", &["config", "realm.letemcook.member"])
                .ok()
                .stdout
                .trim(),
            "fungal"
        );
    }
}

#[test]
fn malformed_yaml_is_refused_naming_the_file() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.edit_realm(
        "letemcook.git",
        &[("repos/x.yaml", "name: [unclosed\nurl: /srv/x\n")],
    );
    let before = w.rev("letemcook.git", "main");
    let out = w.realm("aperture", &["join", &realm]).code(2);
    assert!(
        out.stderr.contains("invalid repos/x.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("line 1"),
        "a syntax error names its line:\n{}",
        out.stderr
    );
    assert_eq!(w.rev("letemcook.git", "main"), before);
}

/// A realm with a thousand registrations: `join` reads them all (in chunks it
/// parses in parallel), and what it reports is decided in tree order, across the
/// chunks as within one.
#[test]
fn a_large_realm_is_read_in_full_and_in_tree_order() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    for m in ["aperture", "fungal", "shroom"] {
        w.member(m);
    }
    let url = |m: &str| w.path(&format!("remotes/{m}.git")).display().to_string();
    let registration = |i: usize, url: &str| {
        (
            format!("repos/r{i:04}.yaml"),
            format!("name: r{i:04}\nurl: {url}\njoined_at: 2026-01-24T10:00:00Z\n"),
        )
    };
    let files: Vec<(String, String)> = (0..1100)
        .map(|i| match i {
            // aperture's url near the end, with a malformed registration after
            // it in the same chunk; fungal's in the second chunk.
            1090 => registration(i, &url("aperture")),
            600 => registration(i, &url("fungal")),
            1095 => (
                format!("repos/r{i:04}.yaml"),
                "name: [unclosed\n".to_owned(),
            ),
            _ => registration(i, &format!("/srv/r{i:04}.git")),
        })
        .collect();
    w.edit_realm("letemcook.git", &files);

    // aperture's url is found under its other name, before the malformed file
    // that comes after it in tree order; so is fungal's, chunks before it.
    let before = w.rev("letemcook.git", "main");
    for (member, other) in [("aperture", "r1090"), ("fungal", "r0600")] {
        let out = w.realm(member, &["join", &realm]).ok();
        assert!(
            out.stdout
                .contains(&format!("{other} is already registered")),
            "{member}: {}",
            out.stdout
        );
    }
    assert_eq!(w.rev("letemcook.git", "main"), before);

    // A repo registered nowhere reads them all: the malformed one is named, and
    // nothing is written.
    let out = w.realm("shroom", &["join", &realm]).code(2);
    assert!(
        out.stderr.contains("invalid repos/r1095.yaml"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev("letemcook.git", "main"), before);

    // Malformed registrations in the first two chunks: the first in tree order
    // is the one named.
    w.edit_realm(
        "letemcook.git",
        &[
            (
                "repos/r0120.yaml",
                "name: r0120\nurl: ../r120.git\njoined_at: 2026-01-24T10:00:00Z\n",
            ),
            ("repos/r0250.yaml", "name: [unclosed\nurl: /srv/r250\n"),
            ("repos/r0700.yaml", "name: [unclosed\n"),
        ],
    );
    let before = w.rev("letemcook.git", "main");
    let out = w.realm("shroom", &["join", &realm]).code(2);
    assert!(
        out.stderr.contains("invalid repos/r0120.yaml") && out.stderr.contains("`url`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("r0250"), "{}", out.stderr);
    assert_eq!(w.rev("letemcook.git", "main"), before);
}

#[test]
fn a_traversal_name_is_refused_naming_the_field() {
    assert_refused(
        &[(
            "repos/x.yaml",
            "name: ../x\nurl: /srv/x\njoined_at: 2026-01-24T10:00:00Z\n",
        )],
        &["join"],
        "repos/x.yaml",
        "name",
    );
}

#[test]
fn a_name_that_does_not_match_its_file_is_refused() {
    assert_refused(
        &[(
            "repos/x.yaml",
            "name: y\nurl: /srv/x\njoined_at: 2026-01-24T10:00:00Z\n",
        )],
        &["join"],
        "repos/x.yaml",
        "name",
    );
}

#[test]
fn a_relative_url_is_refused() {
    assert_refused(
        &[(
            "repos/x.yaml",
            "name: x\nurl: ../x.git\njoined_at: 2026-01-24T10:00:00Z\n",
        )],
        &["join"],
        "repos/x.yaml",
        "url",
    );
}

#[test]
fn a_bad_version_is_refused_naming_the_field() {
    let contract = "name: s3-permissions\nowner: fungal\nversion: 1.x\nvalue: {}\n";
    assert_refused(
        &[
            (
                "domains/s3-access/domain.yaml",
                "name: s3-access\nmembers: [fungal]\ncreated_at: 2026-01-24T10:00:00Z\n",
            ),
            ("domains/s3-access/contracts/s3-permissions.yaml", contract),
        ],
        &["leave"],
        "domains/s3-access/contracts/s3-permissions.yaml",
        "version",
    );
}

#[test]
fn a_bad_version_requirement_in_a_binding_is_refused() {
    let binding = "repo: aperture\nimports:\n- contract: s3-permissions\n  version: '>=banana'\n  binding: cdk/stack.py\n";
    assert_refused(
        &[
            (
                "domains/s3-access/domain.yaml",
                "name: s3-access\nmembers: [fungal]\ncreated_at: 2026-01-24T10:00:00Z\n",
            ),
            (
                "domains/s3-access/contracts/s3-permissions.yaml",
                "name: s3-permissions\nowner: fungal\nversion: 1.0.0\nvalue: {}\n",
            ),
            ("domains/s3-access/bindings/aperture.yaml", binding),
        ],
        &["leave"],
        "domains/s3-access/bindings/aperture.yaml",
        "imports[0].version",
    );
}

#[test]
fn a_binding_path_escaping_the_repo_is_refused() {
    let binding =
        "repo: fungal\nimports:\n- contract: c\n  version: ^1\n  binding: ../../etc/passwd\n";
    assert_refused(
        &[
            (
                "domains/d/domain.yaml",
                "name: d\nmembers: [fungal]\ncreated_at: 2026-01-24T10:00:00Z\n",
            ),
            ("domains/d/bindings/fungal.yaml", binding),
        ],
        &["status", "--fetch"],
        "domains/d/bindings/fungal.yaml",
        "imports[0].binding",
    );
}

#[test]
fn a_newer_realm_format_is_refused() {
    let w = World::new();
    let realm = w.bare_realm("future");
    w.member("aperture");
    w.edit_realm(
        "future.git",
        &[(
            "realm.yaml",
            "format: 2\nname: future\ncreated_at: 2026-01-24T10:00:00Z\n",
        )],
    );
    let out = w.realm("aperture", &["join", &realm]).code(2);
    assert!(
        out.stderr
            .contains("realm.yaml: this realm needs git-realm ≥ 0.2.0"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_refuses_an_existing_realm_and_unrelated_history() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    let before = w.rev("letemcook.git", "main");
    let out = w
        .realm(".", &["init", "letemcook.git", "--bare", "--name", "other"])
        .code(3);
    assert!(
        out.stderr.contains("already a realm 'letemcook'"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev("letemcook.git", "main"), before);
    assert!(realm.ends_with("letemcook.git"));

    // A repository with its own history on main is not turned into a realm.
    w.member("aperture");
    let out = w.realm(".", &["init", "aperture", "--name", "x"]).code(3);
    assert!(out.stderr.contains("not a realm"), "{}", out.stderr);

    // Bad arguments are usage errors.
    let out = w.realm(".", &["init", "r2", "--name", "Bad_Name"]).code(2);
    assert!(out.stderr.contains("--name"), "{}", out.stderr);
    assert!(!w.path("r2").exists(), "nothing created on bad input");
}

#[test]
fn init_in_an_empty_directory_makes_a_bare_realm_that_accepts_members() {
    let w = World::new();
    std::fs::create_dir_all(w.path("realm-letemcook")).unwrap();
    let out = w
        .realm(
            "realm-letemcook",
            &["init", "--name", "letemcook", "--admission", "open"],
        )
        .ok();
    assert!(
        out.stdout
            .contains("Created realm 'letemcook' in bare repository"),
        "{}",
        out.stdout
    );
    assert!(
        !w.path("realm-letemcook/realm.yaml").exists(),
        "a realm has no working tree"
    );

    w.member("aperture");
    w.realm("aperture", &["join", "../realm-letemcook"]).ok();
    assert!(
        w.realm_files("realm-letemcook")
            .contains(&"repos/aperture.yaml".to_owned())
    );
    // The url is stored absolute, so it works from anywhere.
    let url = w
        .git("aperture", &["config", "realm.letemcook.url"])
        .ok()
        .stdout;
    assert!(url.trim().starts_with('/'), "{url}");
}

#[test]
fn git_dash_c_and_git_dir_select_the_repository() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    std::fs::create_dir_all(w.path("elsewhere")).unwrap();

    w.git("elsewhere", &["-C", "../aperture", "realm", "join", &realm])
        .ok();
    let status = w
        .git(
            "elsewhere",
            &["-C", "../aperture", "realm", "status", "--json"],
        )
        .ok()
        .json();
    assert_eq!(status["realms"][0]["member"], "aperture");

    let mut cmd = w.command(&w.path("elsewhere"), "git", &["realm", "status", "--json"]);
    cmd.env("GIT_DIR", w.path("aperture/.git"));
    let out = w.run_cmd(cmd).ok();
    assert_eq!(out.json()["realms"][0]["registered"], true);

    // Outside any repository: a clear usage error.
    let out = w.realm("elsewhere", &["status"]).code(2);
    assert!(
        out.stderr.contains("not a git repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn names_and_urls_that_clash_are_conflicts() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();

    // Another repository that wants the same name.
    w.member("impostor");
    let out = w
        .realm("impostor", &["join", &realm, "--as", "aperture"])
        .code(3);
    assert!(out.stderr.contains("already registered"), "{}", out.stderr);
    assert!(
        out.stderr.contains("--as"),
        "the hint says how to pick another name:\n{}",
        out.stderr
    );

    // No origin and no --url: the url is unknown.
    w.git(".", &["init", "-q", "loner"]).ok();
    let out = w.realm("loner", &["join", &realm]).code(2);
    assert!(out.stderr.contains("--url"), "{}", out.stderr);

    // A bad realm url names the argument.
    let out = w.realm("aperture", &["join", "does/not/exist"]).code(2);
    assert!(out.stderr.contains("REALM-URL"), "{}", out.stderr);
}

#[test]
fn join_uses_the_configured_origin_url_not_the_users_insteadof_rewrite() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.git(".", &["init", "-q", "aperture"]).ok();
    w.git(
        "aperture",
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/aperture.git",
        ],
    )
    .ok();
    // The user's personal rewrite (e.g. to use ssh) must not leak into the realm.
    w.git(
        ".",
        &[
            "config",
            "--global",
            "url.git@github.com:.insteadOf",
            "https://github.com/",
        ],
    )
    .ok();

    w.realm("aperture", &["join", &realm]).ok();
    let yaml = w
        .git("letemcook.git", &["show", "main:repos/aperture.yaml"])
        .ok()
        .stdout;
    assert!(
        yaml.contains("url: https://github.com/acme/aperture.git"),
        "{yaml}"
    );
    assert!(yaml.contains("forge: acme/aperture"), "{yaml}");
}

#[test]
fn approval_realms_get_a_proposal_branch_instead_of_a_push() {
    let w = World::new();
    w.realm(
        ".",
        &[
            "init",
            "gated.git",
            "--bare",
            "--name",
            "gated",
            "--admission",
            "approval",
            "--approver",
            "lead@example.com",
        ],
    )
    .ok();
    let realm = w.path("gated.git").display().to_string();
    w.member("aperture");
    let before = w.rev("gated.git", "main");

    let out = w.realm("aperture", &["join", &realm]).ok();
    assert!(out.stdout.contains("join/aperture"), "{}", out.stdout);
    assert!(
        out.stdout.contains("lead@example.com"),
        "says who approves:\n{}",
        out.stdout
    );
    assert_eq!(
        w.rev("gated.git", "main"),
        before,
        "main is untouched until approved"
    );
    let proposal = w
        .git("gated.git", &["show", "join/aperture:repos/aperture.yaml"])
        .ok()
        .stdout;
    assert!(proposal.contains("name: aperture"), "{proposal}");
    let status = w
        .realm("aperture", &["status", "--json", "--exit-code"])
        .code(1)
        .json();
    assert_eq!(status["realms"][0]["registered"], false);

    // The approver merges (a fast-forward), and the member's next join is a no-op.
    w.git(
        "gated.git",
        &[
            "update-ref",
            "refs/heads/main",
            "refs/heads/join/aperture",
            &before,
        ],
    )
    .ok();
    let out = w.realm("aperture", &["join", &realm]).ok();
    assert!(out.stdout.contains("already registered"), "{}", out.stdout);
    w.realm("aperture", &["status", "--exit-code"]).ok();
}

#[test]
fn leave_unregisters_and_refuses_while_others_import_our_exports() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.member("fungal");
    w.member("bystander");
    for r in ["aperture", "fungal", "bystander"] {
        w.realm(r, &["join", &realm]).ok();
    }
    w.edit_realm(
        "letemcook.git",
        &[
            ("domains/s3-access/domain.yaml", "name: s3-access\nmembers: [aperture, fungal]\ncreated_at: 2026-01-24T10:00:00Z\n"),
            (
                "domains/s3-access/contracts/s3-permissions.yaml",
                "name: s3-permissions\nowner: aperture\nversion: 1.3.0\nvalue: {read: [a]}\n",
            ),
            (
                "domains/s3-access/bindings/aperture.yaml",
                "repo: aperture\nexports:\n- contract: s3-permissions\n  source: {kind: value, value: {read: [a]}}\n",
            ),
            (
                "domains/s3-access/bindings/fungal.yaml",
                "repo: fungal\nimports:\n- contract: s3-permissions\n  version: '>=1.0.0'\n  binding: cdk/stack.py\n",
            ),
        ],
    );

    // The bystander leaves cleanly.
    w.realm("bystander", &["leave"]).ok();
    assert!(
        !w.realm_files("letemcook.git")
            .contains(&"repos/bystander.yaml".to_owned())
    );
    assert_eq!(
        w.git("bystander", &["config", "--get-regexp", "^realm\\."])
            .code,
        1,
        "config removed"
    );

    // aperture provides what fungal imports: refused, with who imports what.
    let before = w.rev("letemcook.git", "main");
    let out = w.realm("aperture", &["leave"]).code(3);
    assert!(
        out.stderr
            .contains("fungal imports s3-access/s3-permissions (>=1.0.0)"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rev("letemcook.git", "main"), before);
    assert_eq!(
        w.git("aperture", &["config", "realm.letemcook.member"])
            .ok()
            .stdout
            .trim(),
        "aperture"
    );

    // --force leaves anyway: registration, binding and domain membership go.
    let out = w.realm("aperture", &["leave", "--force"]).ok();
    assert!(
        out.stdout.contains("fungal still imports"),
        "{}",
        out.stdout
    );
    let files = w.realm_files("letemcook.git");
    assert!(
        !files.contains(&"repos/aperture.yaml".to_owned()),
        "{files:?}"
    );
    assert!(
        !files.contains(&"domains/s3-access/bindings/aperture.yaml".to_owned()),
        "{files:?}"
    );
    assert!(
        files.contains(&"domains/s3-access/contracts/s3-permissions.yaml".to_owned()),
        "contracts stay"
    );
    let domain = w
        .git(
            "letemcook.git",
            &["show", "main:domains/s3-access/domain.yaml"],
        )
        .ok()
        .stdout;
    assert!(domain.contains("members:\n- fungal\n"), "{domain}");
    assert_eq!(w.realm_log("letemcook.git")[0], "aperture: leave realm");
}

#[test]
fn the_dispatcher_lists_runs_and_suggests() {
    let w = World::new();
    w.write_exe(
        "bin/git-realm-hello",
        "#!/bin/sh\necho \"hello $*\"\nexit 7\n",
    );

    let out = w.realm(".", &[]).ok();
    for sub in ["init", "join", "leave", "status", "list"] {
        assert!(
            out.stdout.contains(&format!("  {sub} ")),
            "{sub} missing:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("Extensions (git-realm-* on PATH):\n  hello"),
        "{}",
        out.stdout
    );

    // Extensions run like built-ins, and exit codes pass through.
    let out = w.realm(".", &["hello", "a", "b"]).code(7);
    assert_eq!(out.stdout, "hello a b\n");

    let out = w.realm(".", &["stauts"]).code(2);
    assert!(
        out.stderr.contains("'stauts' is not a git-realm command"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("\tstatus"),
        "did-you-mean:\n{}",
        out.stderr
    );

    // Bad flags are usage errors (exit 2) from every subcommand.
    let out = w.realm(".", &["list", "--no-such-flag"]).code(2);
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
    let out = w.realm(".", &["help", "join"]).ok();
    assert!(out.stdout.contains("Exit status:"), "{}", out.stdout);
    let out = w.realm(".", &["help", "-q", "join"]).ok();
    assert!(out.stdout.contains("Exit status:"), "{}", out.stdout);
    let out = w.realm(".", &["help", "-q"]).ok();
    assert!(out.stdout.contains("sync"), "{}", out.stdout);
}

#[test]
fn realm_option_narrows_and_must_name_a_membership() {
    let w = World::new();
    let one = w.bare_realm("one");
    let two = w.bare_realm("two");
    w.member("aperture");
    w.realm("aperture", &["join", &one]).ok();
    w.realm("aperture", &["join", &two]).ok();

    let all = w.realm("aperture", &["status", "--json"]).ok().json();
    assert_eq!(all["realms"].as_array().unwrap().len(), 2);
    let only = w
        .realm("aperture", &["status", "--json", "--realm", "two"])
        .ok()
        .json();
    assert_eq!(only["realms"].as_array().unwrap().len(), 1);
    assert_eq!(only["realms"][0]["realm"], "two");

    let out = w.realm("aperture", &["status", "--realm", "three"]).code(2);
    assert!(out.stderr.contains("--realm three"), "{}", out.stderr);

    w.realm("aperture", &["leave", "--realm", "one"]).ok();
    let left = w.realm("aperture", &["status", "--json"]).ok().json();
    assert_eq!(left["realms"][0]["realm"], "two");
}

#[test]
fn a_missing_identity_is_a_usage_error_and_writes_nothing() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    std::fs::write(w.path("home/gitconfig"), "[init]\n\tdefaultBranch = main\n").unwrap();
    let mut cmd = w.command(&w.path("aperture"), "git", &["realm", "join", &realm]);
    cmd.env("EMAIL", "").env_remove("EMAIL");
    let out = w.run_cmd(cmd).code(2);
    assert!(out.stderr.contains("user.email"), "{}", out.stderr);
    assert_eq!(w.realm_files("letemcook.git"), ["realm.yaml"]);
}

#[test]
fn colour_follows_the_flag_no_color_and_git_config_and_quiet_is_quiet() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    let out = w.realm("aperture", &["join", &realm, "-q"]).ok();
    assert_eq!(out.stdout, "", "-q prints nothing on success");

    let esc = "\u{1b}[";
    // Piped: no colour by default.
    assert!(!w.realm("aperture", &["status"]).ok().stdout.contains(esc));
    // --color=always forces it; --color=never and NO_COLOR win over git's config.
    assert!(
        w.realm("aperture", &["status", "--color", "always"])
            .ok()
            .stdout
            .contains(esc)
    );
    w.git("aperture", &["config", "color.ui", "always"]).ok();
    assert!(
        w.realm("aperture", &["status"]).ok().stdout.contains(esc),
        "git's color.ui=always"
    );
    assert!(
        !w.realm("aperture", &["status", "--color", "never"])
            .ok()
            .stdout
            .contains(esc)
    );
    let mut cmd = w.command(&w.path("aperture"), "git", &["realm", "status"]);
    cmd.env("NO_COLOR", "1");
    assert!(!w.run_cmd(cmd).ok().stdout.contains(esc), "NO_COLOR");
    // JSON is never decorated.
    let out = w
        .realm("aperture", &["status", "--json", "--color", "always"])
        .ok();
    assert!(!out.stdout.contains(esc));
    out.json();

    // Errors under --json are also a JSON document on stdout.
    let out = w
        .realm("aperture", &["status", "--json", "--realm", "nope"])
        .code(2);
    assert_eq!(out.json()["error"]["exit"], 2);
}

#[test]
fn progress_lines_go_to_a_terminal_only() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();

    // Piped: no progress, stderr stays empty.
    let out = w.realm("aperture", &["status", "--fetch"]).ok();
    assert_eq!(out.stderr, "", "no progress in a pipe");

    // On a terminal (script(1) gives the command a pty): progress on stderr.
    let out = w
        .run_cmd(w.command(
            &w.path("aperture"),
            "script",
            &["-qec", "git realm status --fetch", "/dev/null"],
        ))
        .ok();
    assert!(
        out.stdout.contains("Fetching the realm from"),
        "{}",
        out.stdout
    );
    // ...but never with --json or -q.
    for flag in ["--json", "-q"] {
        let cmd = format!("git realm status --fetch {flag}");
        let out = w
            .run_cmd(w.command(&w.path("aperture"), "script", &["-qec", &cmd, "/dev/null"]))
            .ok();
        assert!(!out.stdout.contains("Fetching"), "{flag}: {}", out.stdout);
    }
}

#[test]
fn a_join_interrupted_after_the_realm_write_is_finished_by_running_it_again() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    // The local config cannot be written (as if the process died right after the push).
    std::fs::write(w.path("aperture/.git/config.lock"), "").unwrap();
    let out = w.realm("aperture", &["join", &realm]).code(4);
    assert!(out.stderr.contains("config"), "{}", out.stderr);
    assert!(
        w.realm_files("letemcook.git")
            .contains(&"repos/aperture.yaml".to_owned()),
        "the realm has the new state"
    );

    std::fs::remove_file(w.path("aperture/.git/config.lock")).unwrap();
    let before = w.rev("letemcook.git", "main");
    let out = w.realm("aperture", &["join", &realm]).ok();
    assert!(out.stdout.contains("already registered"), "{}", out.stdout);
    assert_eq!(
        w.rev("letemcook.git", "main"),
        before,
        "nothing is written twice"
    );
    assert_eq!(
        w.git("aperture", &["config", "realm.letemcook.member"])
            .ok()
            .stdout
            .trim(),
        "aperture"
    );
}

/// A repository whose origin is a local path with a space in it joins with that
/// url (it was refused as "whitespace"); a network url with one still is.
#[test]
fn an_origin_path_with_a_space_is_a_url() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("my app");
    w.realm("my app", &["join", &realm, "--as", "app"]).ok();
    let file = w.git("r.git", &["show", "main:repos/app.yaml"]).ok().stdout;
    assert!(file.contains("remotes/my app.git"), "{file}");
    w.member("web");
    let out = w
        .realm("web", &["join", &realm, "--url", "https://h/my app.git"])
        .code(2);
    assert!(out.stderr.contains("whitespace"), "{}", out.stderr);
}

/// `git --work-tree=… realm …` (GIT_WORK_TREE, as dotfiles setups use) is about
/// the member's repository: a write to a bare realm on this machine is not
/// refused as if the realm's main branch were checked out.
#[test]
fn git_work_tree_in_the_environment_does_not_make_the_realm_look_checked_out() {
    let w = World::new();
    let realm = w.bare_realm("r");
    w.member("app");
    w.realm("app", &["join", &realm]).ok();
    let work_tree = w.path("app").display().to_string();
    w.git(
        "app",
        &[
            "--work-tree",
            &work_tree,
            "realm",
            "domain",
            "create",
            "d",
            "--repos",
            "app",
        ],
    )
    .ok();
    assert!(
        w.realm_files("r.git")
            .contains(&"domains/d/domain.yaml".to_owned())
    );
}

/// Teammates' clones of one repository spell its url differently (ssh, https):
/// the second `join` finds the registration and only gets its local config back,
/// instead of being told to register the repository again under another name.
#[test]
fn join_knows_a_repository_by_its_ssh_and_https_urls() {
    let w = World::new();
    let realm = w.bare_realm("r");
    for (dir, url) in [
        ("a1", "git@github.com:acme/a.git"),
        ("a2", "https://github.com/acme/a"),
    ] {
        w.git(".", &["init", "-q", dir]).ok();
        w.git(dir, &["commit", "-q", "--allow-empty", "-m", "i"])
            .ok();
        w.git(dir, &["remote", "add", "origin", url]).ok();
        w.realm(dir, &["join", &realm]).ok();
        assert_eq!(
            w.git(dir, &["config", "realm.r.member"]).ok().stdout.trim(),
            "a"
        );
    }
    assert_eq!(w.realm_files("r.git"), ["realm.yaml", "repos/a.yaml"]);
}

/// SHA-256 repositories: a member that is one is named as such (not "not a git
/// repository"), and a realm is created SHA-1 whatever the user's default, so
/// that members can use it.
#[test]
fn sha256_is_named_and_a_new_realm_is_sha1() {
    let w = World::new();
    w.git(".", &["init", "-q", "--object-format=sha256", "m"])
        .ok();
    w.git("m", &["commit", "-q", "--allow-empty", "-m", "i"])
        .ok();
    let out = w.realm("m", &["status"]).code(2);
    assert!(out.stderr.contains("sha256 object names"), "{}", out.stderr);

    w.git(
        ".",
        &[
            "-c",
            "init.defaultObjectFormat=sha256",
            "realm",
            "init",
            "r.git",
            "--bare",
            "--name",
            "r",
        ],
    )
    .ok();
    let format = w.git("r.git", &["rev-parse", "--show-object-format"]).ok();
    assert_eq!(format.stdout.trim(), "sha1");
    w.member("app");
    let realm = w.path("r.git").display().to_string();
    w.realm("app", &["join", &realm]).ok();
}

//! What goes wrong outside the story: closed pipes, corrupt repositories, numbers
//! at their limits. Each fails the way a git user expects, never with a panic.

mod common;

use std::process::Stdio;

use common::World;

/// aperture, joined to a bare realm, exporting `d/c` = ["a"].
fn provider(w: &World) -> String {
    let realm = w.bare_realm("letemcook");
    w.member("aperture");
    w.realm("aperture", &["join", &realm]).ok();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture"],
    )
    .ok();
    w.realm(
        "aperture",
        &["export", "c", "--domain", "d", "--value", r#"["a"]"#],
    )
    .ok();
    // The source lives in aperture's repository, committed with its code.
    w.git("aperture", &["commit", "-q", "-m", "export c"]).ok();
    realm
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_like_git() {
    let w = World::new();
    provider(&w);
    let mut cmd = w.command(&w.path("aperture"), "git", &["realm", "graph"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Close the reading end before the command writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "nothing to say about a closed pipe: {stderr}"
    );
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn a_version_at_the_limit_is_an_error_naming_the_contract_not_an_overflow() {
    let w = World::new();
    let realm = provider(&w);
    let path = "domains/d/contracts/c.yaml";
    let text = w
        .git(&realm, &["show", &format!("main:{path}")])
        .ok()
        .stdout;
    let edited = text
        .replacen("version: 1.0.0", "version: 18446744073709551615.0.0", 1)
        .replace("- a", "- b");
    assert_ne!(text, edited, "the contract has a top-level version: {text}");
    w.edit_realm(&realm, &[(path, &edited)]);

    let check = w.realm("aperture", &["check", "--fetch"]).code(1);
    assert!(
        check.stdout.contains("cannot take a major bump"),
        "{}",
        check.stdout
    );
    let sync = w.realm("aperture", &["sync"]);
    assert!(!sync.stderr.contains("panicked"), "{}", sync.stderr);
    assert!(
        sync.stdout.contains("cannot take a major bump")
            || sync.stderr.contains("cannot take a major bump"),
        "{}{}",
        sync.stdout,
        sync.stderr
    );
}

#[test]
fn a_corrupt_object_database_is_an_internal_failure_exit_5() {
    let w = World::new();
    provider(&w);
    // Remove the loose object of the local realm copy's tree.
    let tree = w.rev("aperture", "refs/realm/letemcook/main^{tree}");
    let object = w
        .path("aperture/.git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
    std::fs::remove_file(&object).expect("the realm tree is a loose object");
    let status = w.realm("aperture", &["status"]);
    assert_eq!(status.code, 5, "{}{}", status.stdout, status.stderr);
    assert!(status.stderr.contains("error:"), "{}", status.stderr);
}

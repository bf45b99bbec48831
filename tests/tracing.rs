//! `-v` traces every external process: one line per `git` (and `gh`) process on
//! stderr, with its command line and how long it ran, and stdout exactly as
//! without `-v`.

mod common;
mod support;

use common::World;
use support::GhDouble;

/// The trace lines of `program` processes in `stderr`, checked for their shape:
/// `realm: PROGRAM ARGS… (N ms)`, with `, exit N` when the process failed.
fn traces<'a>(stderr: &'a str, program: &str) -> Vec<&'a str> {
    let prefix = format!("realm: {program} ");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
    for line in &lines {
        let (_, timing) = line
            .rsplit_once(" (")
            .unwrap_or_else(|| panic!("no duration in {line:?}"));
        let timing = timing
            .strip_suffix(')')
            .unwrap_or_else(|| panic!("no closing parenthesis in {line:?}"));
        let ms = timing.split(',').next().unwrap();
        let digits = ms
            .strip_suffix(" ms")
            .unwrap_or_else(|| panic!("no milliseconds in {line:?}"));
        assert!(
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
            "{line:?}"
        );
    }
    lines
}

#[test]
fn verbose_traces_each_git_process_and_leaves_stdout_alone() {
    let w = World::new();
    let realm = w.bare_realm("letemcook");
    w.member("aperture");

    // A write: the realm is fetched and pushed, each git process traced.
    let join = w.realm("aperture", &["join", &realm, "-v"]).ok();
    let git = traces(&join.stderr, "git");
    for wanted in [" fetch --quiet ", " push --porcelain "] {
        assert!(
            git.iter().any(|l| l.contains(wanted)),
            "no{wanted}trace:\n{}",
            join.stderr
        );
    }
    // A git process that answers with its exit status (`git diff --quiet`: 1,
    // there is something to commit) is traced with it. (Asked before committing
    // where a pre-commit hook may run.)
    w.write_exe("aperture/.git/hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    w.realm("aperture", &["worktree", "ch", "--repos", "aperture"])
        .ok();
    let wt = "aperture/.worktrees/ch";
    w.write(wt, "new.txt", "x\n");
    w.git(wt, &["add", "new.txt"]).ok();
    let commit = w.realm(wt, &["commit", "-m", "x", "-v"]).ok();
    assert!(
        traces(&commit.stderr, "git")
            .iter()
            .any(|l| l.contains(" diff --quiet --cached -- (") && l.ends_with(" ms, exit 1)")),
        "{}",
        commit.stderr
    );

    let plain = w.realm("aperture", &["watch", "--once"]).ok();
    let verbose = w.realm("aperture", &["watch", "--once", "-v"]).ok();
    assert_eq!(plain.stdout, verbose.stdout, "-v changed stdout");
    assert!(
        traces(&plain.stderr, "git").is_empty(),
        "traced without -v:\n{}",
        plain.stderr
    );
    assert!(
        traces(&verbose.stderr, "git")
            .iter()
            .any(|l| l.starts_with(&format!(
                "realm: git ls-remote -- {realm} refs/heads/main ("
            ))),
        "no trace of the ls-remote:\n{}",
        verbose.stderr
    );
}

#[test]
fn verbose_traces_gh_processes_too() {
    let w = World::new();
    std::fs::create_dir_all(w.path("github")).unwrap();
    let gh = GhDouble::new(&w.path("github"));
    let realm = w.bare_realm("letemcook");
    for name in ["aperture", "fungal"] {
        w.member(name);
        let url = format!("https://github.com/acme/{name}.git");
        w.realm_env(name, &["join", &realm, "--url", &url], &gh.env())
            .ok();
    }
    w.realm_env(
        "aperture",
        &["worktree", "metrics", "--repos", "aperture,fungal"],
        &gh.env(),
    )
    .ok();
    let wt = "aperture/.worktrees/metrics";
    for repo in ["aperture", "fungal"] {
        let dir = format!("{repo}/.worktrees/metrics");
        w.write(&dir, "metrics.txt", "v2\n");
        w.git(&dir, &["add", "metrics.txt"]).ok();
    }
    for step in [&["commit", "-m", "metrics v2"][..], &["push"], &["pr"]] {
        w.realm_env(wt, step, &gh.env()).ok();
    }
    let plain = w.realm_env(wt, &["pr", "status"], &gh.env());
    let verbose = w.realm_env(wt, &["pr", "status", "-v"], &gh.env());
    assert_eq!(plain.code, verbose.code);
    assert_eq!(plain.stdout, verbose.stdout, "-v changed stdout");
    let double = gh.program.display().to_string();
    let traced = traces(&verbose.stderr, &double);
    assert!(
        traced
            .iter()
            .any(|l| l.contains(" pr view 1 --repo acme/aperture --json ")),
        "no gh trace:\n{}",
        verbose.stderr
    );
    assert!(traces(&plain.stderr, &double).is_empty());
}

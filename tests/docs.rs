//! The committed man pages (`man/`) and completion scripts (`completions/`) are
//! exactly what the clap definitions generate, and the man pages work with
//! `git help realm`.
//!
//! After changing a command's options or help: `UPDATE_DOCS=1 cargo test --test docs`
//! rewrites the files (and removes stale ones); commit them with the change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use git_realm::docs;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_DOCS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Every file under `dir`, relative to the repository root.
fn files_under(dir: &Path, found: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(repo_root().join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let rel = dir.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            files_under(&rel, found);
        } else {
            found.insert(rel);
        }
    }
}

#[test]
fn committed_docs_match_the_clap_definitions() {
    let generated = docs::generated();
    let update = updating();
    let mut problems = Vec::new();
    let wanted: BTreeSet<PathBuf> = generated.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        wanted.len(),
        generated.len(),
        "two generated files share a path"
    );

    for (rel, content) in &generated {
        let path = repo_root().join(rel);
        let status = match std::fs::read(&path) {
            Ok(old) if old == *content => continue,
            Ok(_) => "stale",
            Err(_) => "missing",
        };
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            eprintln!("wrote {}", rel.display());
        } else {
            problems.push(format!("{status}: {}", rel.display()));
        }
    }

    let mut present = BTreeSet::new();
    files_under(Path::new(docs::MAN_DIR), &mut present);
    files_under(Path::new(docs::COMPLETIONS_DIR), &mut present);
    for extra in present.difference(&wanted) {
        if update {
            std::fs::remove_file(repo_root().join(extra)).unwrap();
            eprintln!("removed {}", extra.display());
        } else {
            problems.push(format!("not generated (stale): {}", extra.display()));
        }
    }

    assert!(
        problems.is_empty(),
        "man pages / completions differ from the clap definitions:\n  {}\n\
         regenerate them with `UPDATE_DOCS=1 cargo test --test docs` and commit the result",
        problems.join("\n  ")
    );
}

fn page(name: &str) -> String {
    let rel = Path::new(docs::MAN_DIR)
        .join("man1")
        .join(format!("{name}.1"));
    let found = docs::man_pages()
        .into_iter()
        .find(|(p, _)| *p == rel)
        .unwrap_or_else(|| panic!("no generated man page {}", rel.display()));
    String::from_utf8(found.1).unwrap()
}

#[test]
fn every_command_has_a_page_with_examples_and_exit_status() {
    let root = page("git-realm");
    for cmd in git_realm::commands::builtins() {
        let sub = git_realm::commands::sub_name(&cmd);
        let text = page(&format!("git-realm-{sub}"));
        for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH EXAMPLES"] {
            assert!(text.contains(section), "git-realm-{sub}.1 lacks {section}");
        }
        assert!(
            text.contains(".SH \"EXIT STATUS\""),
            "git-realm-{sub}.1 lacks EXIT STATUS"
        );
        // The synopsis is what a user types.
        assert!(
            text.contains(&format!("\\fBgit realm {sub}\\fR")),
            "git-realm-{sub}.1: synopsis is not `git realm {sub}`"
        );
        // Every option of the command is documented.
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(
                    text.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
                    "git-realm-{sub}.1 does not document --{long}"
                );
            }
        }
        assert!(
            root.contains(&format!("git\\-realm\\-{sub}(1)")),
            "git-realm.1 does not list {sub}"
        );
    }
    for section in [".SH COMMANDS", ".SH EXAMPLES", ".SH \"EXIT STATUS\""] {
        assert!(root.contains(section), "git-realm.1 lacks {section}");
    }
    // Exit status is a table (one .TP per code), not text in an EXTRA section.
    assert!(!root.contains(".SH EXTRA"));
    assert!(root.contains(".TP\n\\fB4\\fR\n"));
}

/// The man pages render without groff warnings.
#[test]
fn man_pages_are_valid_roff() {
    let groff = which("groff").expect("groff is not installed (Debian: groff-base, with man-db)");
    for (rel, content) in docs::man_pages() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("page.1");
        std::fs::write(&file, &content).unwrap();
        let out = Command::new(&groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: groff says:\n{}",
            rel.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// `git help realm` and `git realm --help` open the man page, as the README
/// says: from a checkout with `man/` on MANPATH, and after `cargo install` with
/// the pages in `~/.cargo/share/man`, which man-db finds from `~/.cargo/bin` on PATH.
#[test]
fn git_help_realm_opens_the_man_page() {
    which("man").expect("man is not installed (Debian: man-db); CI installs it");
    let sandbox = tempfile::tempdir().unwrap();
    let home = sandbox.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("gitconfig"), "").unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_git-realm")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let cargo_home = home.join(".cargo");
    std::fs::create_dir_all(cargo_home.join("bin")).unwrap();
    let installed = cargo_home.join("share/man/man1");
    std::fs::create_dir_all(&installed).unwrap();
    for (rel, content) in docs::man_pages() {
        std::fs::write(installed.join(rel.file_name().unwrap()), content).unwrap();
    }

    let checkout = (
        Some(format!("{}:", repo_root().join(docs::MAN_DIR).display())),
        path.clone(),
    );
    let cargo_install = (None, format!("{}:{path}", cargo_home.join("bin").display()));
    for (manpath, path) in [checkout, cargo_install] {
        for args in [
            &["help", "realm"][..],
            &["realm", "--help"],
            &["help", "realm-join"],
        ] {
            let mut git = Command::new("git");
            git.args(args)
                .env_clear()
                .env("PATH", &path)
                .env("HOME", &home)
                .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("MANPAGER", "cat")
                .env("PAGER", "cat")
                .env("MANWIDTH", "100")
                .env("LANG", "C")
                .current_dir(sandbox.path());
            if let Some(m) = &manpath {
                git.env("MANPATH", m);
            }
            let out = git.output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "git {args:?} (MANPATH {manpath:?}) failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            for needle in ["SYNOPSIS", "EXAMPLES", "EXIT STATUS", "git realm"] {
                assert!(
                    stdout.contains(needle),
                    "git {args:?} (MANPATH {manpath:?}): no {needle} in:\n{stdout}"
                );
            }
        }
    }
}

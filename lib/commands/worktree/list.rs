//! `git realm worktree list`: the changes this repository takes part in.

use std::path::PathBuf;

use serde::Serialize;

use crate::changes::{self, Checkouts, worktree_path};
use crate::cli::GlobalArgs;
use crate::error::{Exit, Result};
use crate::git;
use crate::membership::{self};
use crate::model::{ChangeStatus, Name};
use crate::store::Store;
use crate::ui::Ui;
use crate::ui::{Mark, item};

/// `worktree list --json`.
#[derive(Serialize)]
struct ListReport<'a> {
    realm: &'a Name,
    repo: &'a Name,
    changes: &'a [ListedChange],
}

#[derive(Debug, Serialize)]
struct ListedChange {
    id: String,
    branch: String,
    status: ChangeStatus,
    repos: Vec<ListedRepo>,
}

#[derive(Debug, Serialize)]
struct ListedRepo {
    repo: String,
    /// Where its worktree is (or would be); `null` without a local checkout.
    path: Option<PathBuf>,
    exists: bool,
}

pub(super) fn run(global: &GlobalArgs, ui: &Ui) -> Result<Exit> {
    let repo = git::open_current()?;
    let (m, me) = membership::one(&repo, global.realm.as_ref())?;
    // Local copy only, like `status`: fast, and works offline.
    let store = Store::member(&repo, m.realm.as_str(), &m.url);
    let snapshot = store.snapshot()?;
    let checkouts = Checkouts::load(&repo, &m.realm, &me)?;
    let mut listed = Vec::new();
    for c in changes::all_changes(&snapshot)? {
        if !c.repos.contains(&me) {
            continue;
        }
        let repos = c
            .repos
            .iter()
            .map(|r| {
                let path = checkouts.get(r).map(|co| worktree_path(&co, &c.id));
                ListedRepo {
                    repo: r.to_string(),
                    exists: path.as_ref().is_some_and(|p| p.is_dir()),
                    path,
                }
            })
            .collect();
        listed.push(ListedChange {
            id: c.id.to_string(),
            branch: c.branch.clone(),
            status: c.status,
            repos,
        });
    }
    if ui.json {
        ui.json(&ListReport {
            realm: &m.realm,
            repo: &me,
            changes: &listed,
        });
        return Ok(Exit::Success);
    }
    if listed.is_empty() {
        ui.line(format!(
            "{me} takes part in no change of realm '{}'. Start one with `git realm worktree CHANGE`.",
            m.realm
        ));
        return Ok(Exit::Success);
    }
    for c in &listed {
        let status = serde_json::to_value(c.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        ui.line(format!("{} ({}, {status}):", c.id, c.branch));
        for r in &c.repos {
            match (&r.path, r.exists) {
                (Some(p), true) => item(ui, 2, Mark::Ok, format!("{}: {}", r.repo, p.display())),
                // A finished change's worktrees are gone on purpose, and `worktree`
                // refuses to make them again.
                (Some(p), false) if c.status != ChangeStatus::Open => item(
                    ui,
                    2,
                    Mark::Ok,
                    format!("{}: {} (removed)", r.repo, p.display()),
                ),
                (None, _) if c.status != ChangeStatus::Open => {
                    item(ui, 2, Mark::Ok, format!("{}: no local checkout", r.repo))
                }
                (Some(p), false) => item(
                    ui,
                    2,
                    Mark::Warn,
                    format!(
                        "{}: {} (missing: `git realm worktree {}` makes it)",
                        r.repo,
                        p.display(),
                        c.id
                    ),
                ),
                (None, _) => item(
                    ui,
                    2,
                    Mark::Warn,
                    format!(
                        "{}: no local checkout (`git realm worktree {} --clone` clones it)",
                        r.repo, c.id
                    ),
                ),
            }
        }
    }
    Ok(Exit::Success)
}

// ---------------------------------------------------------------------------
// remove
// ---------------------------------------------------------------------------

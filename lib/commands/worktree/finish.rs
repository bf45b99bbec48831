//! `git realm worktree finish CHANGE`: the change is done. Its worktrees on this
//! machine are removed (refusing unsaved work unless `--force`), it is closed in
//! the realm (merged, or abandoned with `--abandon`), and its branch is deleted in
//! each local checkout where git agrees it is merged (`git branch -d`).

use serde::Serialize;

use super::remove::{any_failed, load_change, print_removed, remove_worktrees};
use crate::changes::Checkouts;
use crate::cli::GlobalArgs;
use crate::error::{Error, Exit, Result};
use crate::git::{self, worktrees::BranchDeleted};
use crate::membership;
use crate::model::{ChangeStatus, Name};
use crate::ops;
use crate::store::Store;
use crate::ui::{self, Ui};

/// `repo`, or its main checkout when `repo` is a linked worktree (the change's
/// own, typically): finishing removes the change's worktrees, and a command
/// working from one of them would lose its working directory and its repository
/// (`.git/worktrees/<name>`) halfway, with the change still open. It works from
/// the main checkout, as `cd` there would.
fn from_main_checkout(repo: gix::Repository) -> Result<gix::Repository> {
    if repo.git_dir() == repo.common_dir() {
        return Ok(repo);
    }
    let main = git::open_at(repo.common_dir())?;
    if let Some(dir) = main.workdir() {
        std::env::set_current_dir(dir)
            .map_err(|e| Error::internal(format!("cannot enter {}: {e}", dir.display())))?;
    }
    Ok(main)
}

#[derive(Serialize)]
struct Branch {
    repo: String,
    /// deleted | absent | kept
    outcome: &'static str,
    reason: Option<String>,
}

pub(super) fn run(
    global: &GlobalArgs,
    jobs: &crate::parallel::JobsArg,
    id: &Name,
    abandon: bool,
    force: bool,
    dry_run: bool,
    ui: &Ui,
) -> Result<Exit> {
    let started_in = std::env::current_dir().ok();
    let repo = from_main_checkout(git::open_current()?)?;
    let limit = jobs.limit(&repo)?;
    let (m, me) = membership::one(&repo, global.realm.as_ref())?;
    let store = Store::member(&repo, m.realm.as_str(), &m.url);
    let change = load_change(&store, &m.realm, id)?;
    let status = if abandon {
        ChangeStatus::Abandoned
    } else {
        ChangeStatus::Merged
    };
    let mut op = ops::CloseChange {
        actor: me.clone(),
        change: id.clone(),
        status,
    };
    if dry_run {
        let preview = store.preview(&mut op)?;
        if ui.json {
            ui.json(&serde_json::json!({
                "realm": m.realm, "change": id, "dry_run": true,
                "preview": ui::dry_run_json(&preview.message, &preview.edits),
            }));
        } else {
            ui::dry_run(ui, &preview.message, &preview.edits);
            ui.line(format!(
                "It would also remove the worktrees of '{id}' here and delete branch {} where it is merged.",
                change.branch
            ));
        }
        return Ok(Exit::Success);
    }

    let removed = remove_worktrees(&repo, &m.realm, &me, &change, force, limit)?;
    if any_failed(&removed) {
        print_removed(ui, &removed);
        return Err(Error::external(format!(
            "could not remove the worktrees of change '{id}' (see above); it stays open"
        )));
    }
    let updated = store.update(&mut op)?;

    let checkouts = Checkouts::load(&repo, &m.realm, &me)?;
    let mut branches = Vec::new();
    for r in &change.repos {
        let Some(checkout) = checkouts.get(r) else {
            continue;
        };
        let _ = git::worktrees::prune(&checkout);
        let (outcome, reason) =
            match git::worktrees::delete_merged_branch(&checkout, &change.branch)? {
                BranchDeleted::Deleted => ("deleted", None),
                BranchDeleted::Absent => ("absent", None),
                BranchDeleted::Kept(why) => ("kept", Some(why)),
            };
        branches.push(Branch {
            repo: r.to_string(),
            outcome,
            reason,
        });
    }

    if ui.json {
        ui.json(&serde_json::json!({
            "realm": m.realm, "change": id, "dry_run": false, "status": status,
            "commit": updated.commit.map(|c| c.to_string()),
            "worktrees": removed, "branches": branches,
        }));
        return Ok(Exit::Success);
    }
    print_removed(ui, &removed);
    for b in &branches {
        match (b.outcome, &b.reason) {
            ("deleted", _) => ui.ok(format!("{}: deleted branch {}", b.repo, change.branch)),
            ("kept", Some(why)) => ui.warn(format!(
                "{}: kept branch {} ({why}); delete it with `git branch -D {}` once you are sure",
                b.repo, change.branch, change.branch
            )),
            _ => {}
        }
    }
    let how = if abandon {
        "abandoned"
    } else {
        "closed as merged"
    };
    match updated.commit {
        Some(c) => ui.ok(format!("Change '{id}' {how} (commit {})", ui::short(&c))),
        None => ui.ok(format!("Change '{id}' was already {how}")),
    }
    if let (Some(gone), Some(main)) = (started_in.filter(|d| !d.exists()), repo.workdir()) {
        ui.line(format!(
            "{} was one of them: cd {}",
            gone.display(),
            ui::shell_quote(&main.display().to_string())
        ));
    }
    Ok(Exit::Success)
}

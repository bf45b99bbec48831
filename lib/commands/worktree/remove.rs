//! `git realm worktree remove CHANGE`: remove a change's worktrees, refusing to
//! drop uncommitted or unpushed work unless `--force`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::changes::{Checkouts, worktree_path};
use crate::cli::GlobalArgs;
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership::{self};
use crate::model::{self, ChangeFile, Name};
use crate::parallel;
use crate::store::Store;
use crate::ui::Ui;

use super::*;

/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum RemoveOutcome {
    Absent,
    Removed,
    Failed,
    /// `--dry-run`: it is there and would be removed.
    WouldRemove,
}

#[derive(Debug, Serialize)]
pub(super) struct Removed {
    repo: String,
    path: PathBuf,
    /// removed | absent | failed
    outcome: RemoveOutcome,
    error: Option<String>,
}

/// `worktree remove --json`.
#[derive(Serialize)]
struct RemoveReport<'a> {
    realm: &'a Name,
    change: &'a Name,
    branch: &'a str,
    worktrees: &'a [Removed],
}

pub(super) fn run(
    global: &GlobalArgs,
    jobs: &crate::parallel::JobsArg,
    id: &Name,
    force: bool,
    dry_run: bool,
    ui: &Ui,
) -> Result<Exit> {
    let repo = git::open_current()?;
    let limit = jobs.limit(&repo)?;
    let (m, me) = membership::one(&repo, global.realm.as_ref())?;
    let store = Store::member(&repo, m.realm.as_str(), &m.url);
    let change = load_change(&store, &m.realm, id)?;
    if dry_run {
        let targets = targets(&repo, &m.realm, &me, &change)?;
        let blocked = unsaved(&targets, &change, limit);
        let results: Vec<Removed> = targets
            .iter()
            .map(|(r, wt, checkout)| Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: if is_worktree(checkout, wt) {
                    RemoveOutcome::WouldRemove
                } else {
                    RemoveOutcome::Absent
                },
                error: None,
            })
            .collect();
        let refused = !force && !blocked.is_empty();
        if ui.json {
            ui.json(&serde_json::json!({
                "dry_run": true,
                "realm": m.realm,
                "change": id,
                "branch": change.branch,
                "worktrees": results,
                "blocked_by": blocked,
                "refused": refused,
            }));
            return Ok(Exit::Success);
        }
        ui.line("Dry run: nothing was removed.");
        print_removed(ui, &results);
        if !blocked.is_empty() {
            ui.line(if refused {
                "It would remove none of them (all or nothing): this work is saved nowhere else (--force drops it):".to_owned()
            } else {
                "With --force it would drop this unsaved work:".to_owned()
            });
            for b in &blocked {
                ui.bad(b);
            }
        }
        return Ok(Exit::Success);
    }
    let results = remove_worktrees(&repo, &m.realm, &me, &change, force, limit)?;
    let failed = results
        .iter()
        .filter(|r| r.outcome == RemoveOutcome::Failed)
        .count();
    if ui.json {
        ui.json(&RemoveReport {
            realm: &m.realm,
            change: id,
            branch: &change.branch,
            worktrees: &results,
        });
    } else {
        print_removed(ui, &results);
        ui.line(format!(
            "Branch '{}' is kept in every repo; `git realm worktree {id}` brings the worktrees back.",
            change.branch
        ));
    }
    if failed > 0 {
        return if ui.json {
            Ok(Exit::External)
        } else {
            Err(Error::external(format!(
                "could not remove {failed} worktree(s) of change '{id}' (see above)"
            )))
        };
    }
    Ok(Exit::Success)
}

pub(super) fn print_removed(ui: &Ui, results: &[Removed]) {
    for r in results {
        match r.outcome {
            RemoveOutcome::Removed => ui.ok(format!("{}: removed {}", r.repo, r.path.display())),
            RemoveOutcome::WouldRemove => {
                ui.ok(format!("{}: would remove {}", r.repo, r.path.display()))
            }
            RemoveOutcome::Absent => {
                ui.line(format!("  {}: no worktree at {}", r.repo, r.path.display()))
            }
            _ => ui.bad(format!(
                "{}: {}",
                r.repo,
                r.error.as_deref().unwrap_or("failed")
            )),
        }
    }
}

/// Whether a removal failed somewhere.
pub(super) fn any_failed(results: &[Removed]) -> bool {
    results.iter().any(|r| r.outcome == RemoveOutcome::Failed)
}

/// The change `id`, from the local copy, else after a fetch.
pub(super) fn load_change(store: &Store<'_>, realm: &Name, id: &Name) -> Result<ChangeFile> {
    let m_realm = realm;
    let path = model::paths::change(id.as_str());
    let change = match store.snapshot()?.read::<ChangeFile>(&path)? {
        Some(c) => c,
        None => {
            store.fetch()?;
            store
                .snapshot()?
                .read::<ChangeFile>(&path)?
                .ok_or_else(|| {
                    Error::usage(format!(
                        "CHANGE: realm '{m_realm}' has no change '{id}' ({path} is missing)"
                    ))
                })?
        }
    };
    Ok(change)
}

/// Remove the worktrees of `change` on this machine, all or none: without
/// `force`, refused when any of them holds work saved nowhere else.
pub(super) fn remove_worktrees(
    repo: &gix::Repository,
    realm: &Name,
    me: &Name,
    change: &ChangeFile,
    force: bool,
    limit: usize,
) -> Result<Vec<Removed>> {
    let id = &change.id;
    let targets = targets(repo, realm, me, change)?;

    // Look at every worktree before removing any: all or nothing.
    if !force {
        let problems = unsaved(&targets, change, limit);
        if !problems.is_empty() {
            let mut err = Error::conflict(format!(
                "refusing to remove the worktrees of change '{id}': they hold work that is not saved elsewhere"
            ));
            for p in problems {
                err = err.hint(p);
            }
            return Err(err.hint(format!(
                "commit with `git realm commit`, publish with `git realm push`, or drop it anyway with `git realm worktree remove {id} --force` (branches are kept)"
            )));
        }
    }

    let results = parallel::parallel(&targets, limit, |(r, wt, checkout)| {
        if !is_worktree(checkout, wt) {
            return Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: RemoveOutcome::Absent,
                error: None,
            };
        }
        match git::worktrees::remove(checkout, wt, force) {
            Ok(_) => Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: RemoveOutcome::Removed,
                error: None,
            },
            Err(e) => Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: RemoveOutcome::Failed,
                error: Some(e.message),
            },
        }
    });
    Ok(results)
}

/// Each repo's worktree of `change` on this machine: (repo, worktree, checkout).
fn targets(
    repo: &gix::Repository,
    realm: &Name,
    me: &Name,
    change: &ChangeFile,
) -> Result<Vec<(Name, PathBuf, PathBuf)>> {
    let checkouts = Checkouts::load(repo, realm, me)?;
    Ok(change
        .repos
        .iter()
        .filter_map(|r| {
            checkouts
                .get(r)
                .map(|co| (r.clone(), worktree_path(&co, &change.id), co))
        })
        .collect())
}

/// Whether there is something to remove at `wt` (registered, or on disk).
fn is_worktree(checkout: &Path, wt: &Path) -> bool {
    let listed = git::worktrees::list(checkout).unwrap_or_default();
    listed.iter().any(|w| same_path(&w.path, wt)) || wt.exists()
}

/// The work that removing `targets` would lose, as `<repo>: <what>` lines.
fn unsaved(targets: &[(Name, PathBuf, PathBuf)], change: &ChangeFile, limit: usize) -> Vec<String> {
    let problems: Vec<Vec<String>> = parallel::parallel(targets, limit, |(r, wt, _)| {
        if !wt.is_dir() {
            return Vec::new();
        }
        match unsaved_work(wt, &change.branch) {
            Ok(list) => list.into_iter().map(|p| format!("{r}: {p}")).collect(),
            Err(e) => vec![format!(
                "{r}: cannot inspect {}: {}",
                wt.display(),
                e.message
            )],
        }
    });
    problems.into_iter().flatten().collect()
}

/// What removing the worktree at `dir` would lose: uncommitted files, and commits
/// on `branch` that are on no remote (its upstream, or any remote-tracking ref).
fn unsaved_work(dir: &Path, branch: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let dirty = git::worktrees::dirty_paths(dir)?;
    if dirty > 0 {
        out.push(format!(
            "{} has uncommitted changes ({dirty} path(s) in `git status --porcelain`)",
            dir.display()
        ));
    }
    let unpushed = git::worktrees::unpushed(dir)?;
    let n = unpushed.commits;
    if n > 0 {
        let against = unpushed.upstream.unwrap_or_else(|| "any remote".into());
        out.push(format!(
            "{branch} has {n} commit(s) not on {against} (`git realm push` publishes them)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> std::result::Result<WorktreeArgs, clap::Error> {
        let mut all = vec!["git-realm-worktree"];
        all.extend_from_slice(args);
        WorktreeArgs::try_parse_from(all)
    }

    #[test]
    fn subcommands_and_a_change_name_both_parse() {
        WorktreeArgs::command().debug_assert();
        let a = parse(&["list"]).unwrap();
        assert!(matches!(a.action, Some(WorktreeAction::List)));
        let a = parse(&["list", "--json"]).unwrap();
        assert!(a.global.json);
        let a = parse(&["remove", "x", "--force"]).unwrap();
        assert!(matches!(
            a.action,
            Some(WorktreeAction::Remove { force: true, .. })
        ));
        let a = parse(&["my-change", "--repos", "a,b", "--clone"]).unwrap();
        assert_eq!(a.change.unwrap().as_str(), "my-change");
        assert_eq!(a.repos.len(), 2);
        assert!(parse(&[]).is_err());
        assert!(parse(&["Bad_Name"]).is_err());
        assert!(parse(&["x", "--domain", "d", "--repos", "a"]).is_err());
        // A reserved name given as a change (after options) parses; `run` refuses it.
        let a = parse(&["--clone", "list"]).unwrap();
        assert_eq!(a.change.unwrap().as_str(), "list");
    }
}

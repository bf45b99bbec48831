//! `git realm worktree CHANGE`: record the change in the realm, then create its
//! branch and worktree in every participating repo, in parallel.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::changes::{self, Checkouts, RESERVED, worktree_path};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::index;
use crate::membership::{self, Membership};
use crate::model::{self, ChangeFile, DomainFile, Name, RepoFile};
use crate::ops;
use crate::parallel;
use crate::store::{Snapshot, Store};
use crate::ui::{self, Ui};
use crate::ui::{Mark, item};

use super::*;

/// What happened to one repo's worktree.
/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum WorktreeOutcome {
    Failed,
    Created,
    Existing,
}

#[derive(Debug, Clone, Serialize)]
struct RepoOutcome {
    repo: String,
    path: Option<PathBuf>,
    /// created | existing | failed
    outcome: WorktreeOutcome,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct StartReport {
    realm: String,
    change: String,
    branch: String,
    base: Option<String>,
    /// The realm commit that recorded the change (`null`: it was already recorded).
    commit: Option<String>,
    cloned: Vec<Cloned>,
    repos: Vec<RepoOutcome>,
}

#[derive(Debug, Clone, Serialize)]
struct Cloned {
    repo: String,
    url: String,
    path: PathBuf,
}

impl WorktreeArgs {
    pub(super) fn start(&self, ui: &Ui) -> Result<Exit> {
        let id = self.change.clone().expect("clap requires CHANGE");
        if RESERVED.contains(&id.as_str()) {
            return Err(Error::usage(format!(
                "CHANGE: '{id}' is a subcommand of `git realm worktree`, not a change name"
            ))
            .hint(format!("use `git realm worktree {id} ...` without other options, or pick another change name")));
        }
        if let Some(b) = &self.branch {
            changes::check_branch("--branch", b)?;
        }
        if let Some(base) = &self.base {
            changes::check_base("--base", base)?;
        }
        let repo = git::open_current()?;
        let limit = self.jobs.limit(&repo)?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        store.fetch()?;
        let snapshot = store.snapshot()?;
        let existing = snapshot.read::<ChangeFile>(&model::paths::change(id.as_str()))?;
        let (repos, domains) = self.participants(&snapshot, &me, existing.as_ref())?;
        let branch = match (&self.branch, &existing) {
            (Some(b), _) => b.clone(),
            (None, Some(c)) => c.branch.clone(),
            (None, None) => {
                let b = format!("{}{id}", crate::settings::branch_prefix(&repo));
                changes::check_branch("git config realm.branchPrefix", &b)?;
                b
            }
        };
        crate::settings::worktree_dir_of(&repo)?;
        if let Some(c) = &existing {
            check_same("--branch", &c.branch, Some(&branch), &id)?;
            if self.base.is_some() {
                check_same(
                    "--base",
                    c.base.as_deref().unwrap_or("HEAD"),
                    self.base.as_ref(),
                    &id,
                )?;
            }
        }

        // Every participating repo needs a checkout here before anything is written.
        let mut checkouts = Checkouts::load(&repo, &m.realm, &me)?;
        let missing: Vec<Name> = repos
            .iter()
            .filter(|r| checkouts.get(r).is_none())
            .cloned()
            .collect();
        let mut cloned = Vec::new();
        if !missing.is_empty() {
            if !self.clone {
                let mut err = Error::usage(format!(
                    "no local checkout of {}: a worktree needs one",
                    changes::join(&missing)
                ));
                for r in &missing {
                    err = err.hint(format!("{r}: {}", checkouts.missing_reason(r)));
                }
                return Err(err.hint(
                    "clone them next to this repository with --clone, or run `git realm join` in your existing checkout",
                ));
            }
            if self.dry_run {
                let parent = checkouts.mine().parent().unwrap_or(checkouts.mine());
                for r in &missing {
                    let file =
                        snapshot.require::<RepoFile>(&model::paths::repo(r.as_str()), "repo")?;
                    cloned.push(Cloned {
                        repo: r.to_string(),
                        url: file.url.to_string(),
                        path: parent.join(r.as_str()),
                    });
                }
            } else {
                cloned = clone_missing(&snapshot, &m, checkouts.mine(), &missing, limit)?;
            }
            for c in cloned.iter().filter(|_| !self.dry_run) {
                checkouts.set(&c.repo.parse().map_err(Error::usage)?, &c.path);
            }
        }

        for r in &repos {
            if let Some(dir) = checkouts.get(r) {
                let checkout = crate::git::open_at(&dir).ok();
                changes::refuse_default_branch(r, checkout.as_ref(), &branch)?;
                // A base no repo can start the branch from would leave the realm
                // a change that can never be made: refused before it is written.
                if let (Some(base), Some(checkout)) = (&self.base, &checkout)
                    && !git::refs::branch_exists(checkout, &branch)?
                    && git::refs::resolve_commit(checkout, base)?.is_none()
                {
                    return Err(Error::usage(format!(
                        "--base {base}: {r} has no commit of that name ({}); nothing was changed",
                        dir.display()
                    ))
                    .hint("fetch it there, or name a branch, tag or commit every repo has"));
                }
            }
        }
        // The realm learns about the change first: teammates see it, and a re-run
        // after a failed worktree completes the same change.
        let created_at = git::now(&repo)?;
        let created_by = changes::identity_email(&repo)?;
        let mut op = ops::StartChange {
            actor: me.clone(),
            realm: m.realm.clone(),
            id: id.clone(),
            branch: branch.clone(),
            base: self.base.clone(),
            repos: repos.clone(),
            domains: domains.clone(),
            created_by,
            created_at,
        };
        if self.dry_run {
            return self.dry_run(&store, &mut op, &checkouts, cloned, &me, ui);
        }
        // Fetched above: the first attempt starts from there (a realm that moved
        // meanwhile refuses the push, and the next attempt fetches).
        let updated = store.update_fetched(&mut op)?;
        let change = updated.value;

        let jobs: Vec<(Name, Option<PathBuf>)> = change
            .repos
            .iter()
            .map(|r| (r.clone(), checkouts.get(r)))
            .collect();
        let outcomes = parallel::parallel(&jobs, limit, |(r, checkout)| {
            let Some(checkout) = checkout else {
                return RepoOutcome {
                    repo: r.to_string(),
                    path: None,
                    outcome: WorktreeOutcome::Failed,
                    error: Some(checkouts.missing_reason(r)),
                };
            };
            let path = worktree_path(checkout, &change.id);
            if r != &me {
                // Its local realm copy learns about the change too, so `commit`,
                // `worktree list` and `status` there know it without a fetch.
                if let Err(e) = git::open_at(checkout)
                    .and_then(|sibling| Store::member(&sibling, m.realm.as_str(), &m.url).fetch())
                {
                    ui::verbose(&format!("{r}: cannot update its realm copy: {}", e.message));
                }
            }
            match ensure_worktree(checkout, &path, &change.branch, change.base.as_deref()) {
                Ok(created) => RepoOutcome {
                    repo: r.to_string(),
                    path: Some(path),
                    outcome: if created {
                        WorktreeOutcome::Created
                    } else {
                        WorktreeOutcome::Existing
                    },
                    error: None,
                },
                Err(e) => RepoOutcome {
                    repo: r.to_string(),
                    path: Some(path),
                    outcome: WorktreeOutcome::Failed,
                    error: Some(e.message),
                },
            }
        });

        let report = StartReport {
            realm: m.realm.to_string(),
            change: change.id.to_string(),
            branch: change.branch.clone(),
            base: change.base.clone(),
            commit: updated.commit.map(|c| c.to_string()),
            cloned,
            repos: outcomes,
        };
        let failed: Vec<&RepoOutcome> = report
            .repos
            .iter()
            .filter(|o| o.outcome == WorktreeOutcome::Failed)
            .collect();
        if ui.json {
            ui.json(&report);
        } else {
            print_start(ui, &report, &me);
        }
        if failed.is_empty() {
            return Ok(Exit::Success);
        }
        if ui.json {
            return Ok(Exit::External);
        }
        let names: Vec<&str> = failed.iter().map(|o| o.repo.as_str()).collect();
        Err(Error::external(format!(
            "no worktree for change '{id}' in {} (see above)",
            names.join(", ")
        ))
        .hint(format!(
            "fix that, then re-run `git realm worktree {id}`: it completes what is missing"
        )))
    }

    /// `--dry-run`: the realm commit recording the change, the clones it would
    /// make, and each repo's worktree (path, branch, base); nothing is created.
    fn dry_run(
        &self,
        store: &Store<'_>,
        op: &mut ops::StartChange,
        checkouts: &Checkouts,
        cloned: Vec<Cloned>,
        me: &Name,
        ui: &Ui,
    ) -> Result<Exit> {
        let realm = op.realm.clone();
        let p = store.preview(op)?;
        let change = p.value;
        let base = change.base.clone().unwrap_or_else(|| "HEAD".to_owned());
        let mut repos = Vec::new();
        for r in &change.repos {
            let checkout = checkouts.get(r).or_else(|| {
                cloned
                    .iter()
                    .find(|c| c.repo == r.as_str())
                    .map(|c| c.path.clone())
            });
            let Some(checkout) = checkout else {
                repos.push(serde_json::json!({"repo": r, "outcome": "failed", "error": checkouts.missing_reason(r)}));
                continue;
            };
            let path = worktree_path(&checkout, &change.id);
            let (outcome, error) = if !checkout.exists() {
                ("would-create", None)
            } else {
                match planned_worktree(&checkout, &path, &change.branch) {
                    Ok(true) => ("would-create", None),
                    Ok(false) => ("existing", None),
                    Err(e) => ("failed", Some(e.message)),
                }
            };
            repos.push(serde_json::json!({
                "repo": r, "path": path, "outcome": outcome, "error": error,
            }));
        }
        if ui.json {
            ui.json(&serde_json::json!({
                "dry_run": true,
                "realm": realm,
                "change": change.id,
                "branch": change.branch,
                "base": change.base,
                "preview": ui::dry_run_json(&p.message, &p.edits),
                "cloned": cloned,
                "repos": repos,
            }));
            return Ok(Exit::Success);
        }
        ui::dry_run(ui, &p.message, &p.edits);
        for c in &cloned {
            ui.line(format!(
                "It would clone {} from {} into {}",
                c.repo,
                c.url,
                c.path.display()
            ));
        }
        ui.line(format!(
            "It would create branch '{}' from {base} in a worktree of each repo:",
            change.branch
        ));
        for r in &repos {
            let name = r["repo"].as_str().unwrap_or_default();
            let path = r["path"].as_str().unwrap_or_default();
            let this = if name == me.as_str() {
                "  # this repo"
            } else {
                ""
            };
            match r["outcome"].as_str() {
                Some("would-create") => item(ui, 2, Mark::Ok, format!("{name}: {path}{this}")),
                Some("existing") => item(
                    ui,
                    2,
                    Mark::Ok,
                    format!("{name}: {path} (already there){this}"),
                ),
                _ => item(
                    ui,
                    2,
                    Mark::Bad,
                    format!("{name}: {}", r["error"].as_str().unwrap_or("failed")),
                ),
            }
        }
        Ok(Exit::Success)
    }

    /// The repos and domains of the change: from `--domain`, `--repos`, the change
    /// already recorded, or this repo's domains.
    fn participants(
        &self,
        snapshot: &Snapshot<'_>,
        me: &Name,
        existing: Option<&ChangeFile>,
    ) -> Result<(Vec<Name>, Vec<Name>)> {
        let domains = all_domains(snapshot)?;
        let (mut repos, mut chosen): (Vec<Name>, Vec<Name>) = if let Some(d) = &self.domain {
            let file = domains.iter().find(|f| &f.name == d).ok_or_else(|| {
                Error::usage(format!(
                    "--domain {d}: realm has no domain '{d}' (domains/{d}/domain.yaml is missing)"
                ))
                .hint("`git realm domain list` shows the domains")
            })?;
            (file.members.clone(), vec![d.clone()])
        } else if !self.repos.is_empty() {
            for r in &self.repos {
                if snapshot
                    .read::<RepoFile>(&model::paths::repo(r.as_str()))?
                    .is_none()
                {
                    return Err(Error::usage(format!(
                        "--repos {r}: '{r}' is not registered in this realm (repos/{r}.yaml is missing)"
                    )));
                }
            }
            // The domains that link at least two of them: their contracts give the merge order.
            let linked = domains
                .iter()
                .filter(|d| d.members.iter().filter(|m| self.repos.contains(m)).count() >= 2)
                .map(|d| d.name.clone())
                .collect();
            (self.repos.clone(), linked)
        } else if let Some(c) = existing {
            (c.repos.clone(), c.domains.clone())
        } else {
            let mine: Vec<&DomainFile> =
                domains.iter().filter(|d| d.members.contains(me)).collect();
            if mine.is_empty() {
                return Err(Error::usage(format!(
                    "{me} is in no domain, so the participating repos are unknown"
                ))
                .hint("name them with --repos a,b or a domain with --domain D"));
            }
            (
                mine.iter()
                    .flat_map(|d| d.members.iter().cloned())
                    .collect(),
                mine.iter().map(|d| d.name.clone()).collect(),
            )
        };
        if let Some(c) = existing {
            repos.extend(c.repos.iter().cloned());
            chosen.extend(c.domains.iter().cloned());
        }
        repos.sort();
        repos.dedup();
        chosen.sort();
        chosen.dedup();
        Ok((repos, chosen))
    }
}

/// A re-run must not silently turn a change into another one.
fn check_same(flag: &str, recorded: &str, given: Option<&String>, id: &Name) -> Result<()> {
    match given {
        Some(g) if g != recorded => Err(Error::conflict(format!(
            "change '{id}' already exists with {} {recorded}, not {g}",
            flag.trim_start_matches('-')
        ))
        .hint(format!(
            "re-run without {flag} to complete it, or start another change"
        ))),
        _ => Ok(()),
    }
}

fn all_domains(snapshot: &Snapshot<'_>) -> Result<Vec<DomainFile>> {
    let mut out = Vec::new();
    for d in snapshot.dir_names(model::paths::DOMAINS)? {
        out.push(snapshot.require::<DomainFile>(&model::paths::domain(d.as_str()), "domain")?);
    }
    Ok(out)
}

/// Clone `missing` repos from their realm url next to this repo's checkout, make
/// them members like `join` does, and record them in the index.
fn clone_missing(
    snapshot: &Snapshot<'_>,
    m: &Membership,
    mine: &Path,
    missing: &[Name],
    limit: usize,
) -> Result<Vec<Cloned>> {
    let parent = mine
        .parent()
        .ok_or_else(|| Error::usage(format!("{} has no parent directory", mine.display())))?;
    let mut jobs = Vec::new();
    for r in missing {
        let file = snapshot.require::<RepoFile>(&model::paths::repo(r.as_str()), "repo")?;
        jobs.push((r.clone(), file.url.to_string(), parent.join(r.as_str())));
    }
    let results = parallel::parallel(&jobs, limit, |(name, url, dest)| -> Result<PathBuf> {
        changes::refuse_symlinks(parent, dest)?;
        if dest.exists() {
            // Ours already (an interrupted --clone), or someone else's directory.
            let same = git::open_at(dest)
                .ok()
                .and_then(|r| git::config_string(&r, "remote.origin.url"))
                .is_some_and(|u| u.trim_end_matches(".git") == url.trim_end_matches(".git"));
            if !same {
                return Err(Error::conflict(format!(
                    "cannot clone {name} into {}: it exists and is not a clone of {url}",
                    dest.display()
                )));
            }
        } else {
            git::remotes::clone(url, dest).map_err(|e| {
                Error::external(format!("cannot clone {name} from {url}: {}", e.message))
            })?;
        }
        let cloned = git::open_at(dest)?;
        membership::record(&cloned, &m.realm, &m.url, name)?;
        Store::member(&cloned, m.realm.as_str(), &m.url).fetch()?;
        Ok(std::fs::canonicalize(dest).unwrap_or_else(|_| dest.clone()))
    });
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for ((name, url, _), result) in jobs.iter().zip(results) {
        match result {
            Ok(path) => out.push(Cloned {
                repo: name.to_string(),
                url: url.clone(),
                path,
            }),
            Err(e) => errors.push(e),
        }
    }
    // Record what was cloned even if another clone failed: a re-run finds it.
    if !out.is_empty() {
        index::modify(|idx| {
            let realm = idx.realm_mut(&m.realm, &m.url);
            for c in &out {
                if let Ok(name) = c.repo.parse::<Name>() {
                    realm.set_checkout(&name, &c.path);
                }
            }
        })?;
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.hint("nothing was recorded in the realm; re-run the command")),
        None => Ok(out),
    }
}

/// Make sure `path` is a worktree of `checkout` on `branch`. Returns whether it
/// was created now.
fn ensure_worktree(checkout: &Path, path: &Path, branch: &str, base: Option<&str>) -> Result<bool> {
    exclude_worktrees(checkout)?;
    match plan_worktree(checkout, path, branch)? {
        Plan::There => return Ok(false),
        // Registered but deleted by hand: forget it so it can be made again.
        Plan::Prune => git::worktrees::prune(checkout)?,
        Plan::Add => {}
    }
    // After `worktree remove` the branch was kept: `add` picks it up again.
    git::worktrees::add(checkout, path, branch, base)?;
    Ok(true)
}

/// What [`ensure_worktree`] does at `path` (from one listing of the worktrees).
enum Plan {
    /// It is already there on the branch.
    There,
    /// Add it.
    Add,
    /// Forget the registered worktree whose folder is gone, then add it.
    Prune,
}

/// What [`ensure_worktree`] would do at `path`: `true` to create it, `false` when
/// it is already there on `branch`; an error when it would fail.
fn planned_worktree(checkout: &Path, path: &Path, branch: &str) -> Result<bool> {
    Ok(!matches!(
        plan_worktree(checkout, path, branch)?,
        Plan::There
    ))
}

fn plan_worktree(checkout: &Path, path: &Path, branch: &str) -> Result<Plan> {
    changes::refuse_symlinks(checkout, path)?;
    let listed = git::worktrees::list(checkout)?;
    match listed.iter().find(|w| same_path(&w.path, path)) {
        Some(wt) if wt.path.is_dir() => match &wt.branch {
            Some(b) if b == branch => Ok(Plan::There),
            other => Err(Error::conflict(format!(
                "{} exists but is on {}, not {branch}",
                path.display(),
                other
                    .as_deref()
                    .map(|b| format!("branch {b}"))
                    .unwrap_or_else(|| "a detached HEAD".into())
            ))),
        },
        Some(_) => Ok(Plan::Prune),
        None if path.exists() => Err(Error::conflict(format!(
            "{} exists and is not a worktree of {}",
            path.display(),
            checkout.display()
        ))),
        None => Ok(Plan::Add),
    }
}

/// Add `.worktrees/` to the repository's `info/exclude` (shared by its worktrees), once.
fn exclude_worktrees(checkout: &Path) -> Result<()> {
    let repo = git::open_at(checkout)?;
    let file = repo.common_dir().join("info").join("exclude");
    let line = format!("{}/", crate::settings::worktree_dir(checkout));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if text
        .lines()
        .any(|l| l.trim() == line || l.trim() == format!("/{line}"))
    {
        return Ok(());
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&line);
    new.push('\n');
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(file.parent().expect("info/exclude has a parent"))?;
        std::fs::write(&file, new)
    };
    write().map_err(|e| Error::usage(format!("cannot write {}: {e}", file.display())))
}

fn print_start(ui: &Ui, r: &StartReport, me: &Name) {
    for c in &r.cloned {
        ui.ok(format!(
            "Cloned {} from {} into {}",
            c.repo,
            c.url,
            c.path.display()
        ));
    }
    ui.line(format!(
        "Creating unified worktree '{}' for change '{}':",
        r.branch, r.change
    ));
    for o in &r.repos {
        let path = o
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        match o.outcome {
            WorktreeOutcome::Created => item(ui, 2, Mark::Ok, format!("{}: {path}", o.repo)),
            WorktreeOutcome::Existing => item(
                ui,
                2,
                Mark::Ok,
                format!("{}: {path} (already there)", o.repo),
            ),
            _ => item(
                ui,
                2,
                Mark::Bad,
                format!("{}: {}", o.repo, o.error.as_deref().unwrap_or("failed")),
            ),
        }
    }
    let made = r
        .repos
        .iter()
        .filter(|o| o.outcome != WorktreeOutcome::Failed)
        .count();
    match &r.commit {
        Some(c) => ui.line(format!(
            "Branch '{}' in {made} repo(s); recorded in changes/{}.yaml (realm commit {}).",
            r.branch,
            r.change,
            &c[..7]
        )),
        None => ui.line(format!(
            "Branch '{}' in {made} repo(s); changes/{}.yaml was already up to date.",
            r.branch, r.change
        )),
    }
    let paths: Vec<&RepoOutcome> = r
        .repos
        .iter()
        .filter(|o| o.outcome != WorktreeOutcome::Failed)
        .collect();
    if !paths.is_empty() {
        ui.line("Worktrees:");
        for o in paths {
            if let Some(p) = &o.path {
                let mark = if o.repo == me.as_str() {
                    "  # this repo"
                } else {
                    ""
                };
                ui.line(format!(
                    "  cd {}{mark}",
                    ui::shell_quote(&p.display().to_string())
                ));
            }
        }
        ui.line("Then: edit, `git add`, and `git realm commit -m MSG` from any of them.");
    }
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

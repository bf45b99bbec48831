//! `git realm worktree`: start a coordinated change — the same branch in a new
//! worktree of every participating repo — and list or remove those worktrees.
//!
//! The change is recorded in the realm first (`changes/<change>.yaml`), then the
//! worktrees are made, in parallel, with the `git` binary (gix cannot add
//! worktrees). Every step checks what is already there, so re-running the same
//! command after a failure completes what is missing and changes nothing else.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::commands::change::{self, Checkouts, Mark, RESERVED, item, worktree_path};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::index;
use crate::membership::{self, Membership};
use crate::model::{self, ChangeFile, ChangeStatus, DomainFile, Name, RepoFile};
use crate::ops;
use crate::store::{Snapshot, Store};
use crate::ui::{self, Ui};

/// Start a coordinated change: one branch, a worktree in every participating repo
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-worktree",
    bin_name = "git realm worktree",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Each worktree is made at <checkout>/.worktrees/<change> with\n",
        "`git worktree add -b <branch> <path> <base>`, and `.worktrees/` is added to\n",
        ".git/info/exclude. Re-running completes what is missing.\n\n",
        "Examples:\n",
        "  git realm worktree training-metrics-v2                # the repos of this repo's domains\n",
        "  git realm worktree training-metrics-v2 --domain s3-access\n",
        "  git realm worktree fix-iam --repos aperture,fungal-image-analysis --base origin/main\n",
        "  git realm worktree training-metrics-v2 --clone        # clone the repos not checked out here\n",
        "  git realm worktree list\n",
        "  git realm worktree remove training-metrics-v2\n\n",
        crate::exit_status!()
    ),
)]
pub struct WorktreeArgs {
    #[command(subcommand)]
    pub action: Option<WorktreeAction>,

    /// The change's name (lowercase letters, digits and '-'; not `list` or `remove`)
    #[arg(value_name = "CHANGE", required = true)]
    pub change: Option<Name>,

    /// The participating repos: the members of this domain
    #[arg(long, value_name = "DOMAIN", conflicts_with = "repos")]
    pub domain: Option<Name>,

    /// The participating repos, comma-separated (default: the members of this repo's domains)
    #[arg(long, value_delimiter = ',', value_name = "REPO,...")]
    pub repos: Vec<Name>,

    /// The branch name in every repo (default: feat/<change>)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Where the new branch starts, in every repo (default: each checkout's HEAD)
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Clone participating repos that are not checked out here, next to this one
    #[arg(long)]
    pub clone: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum WorktreeAction {
    /// List the changes this repository takes part in, with each repo's worktree
    List,
    /// Remove a change's worktrees (its branches are kept)
    Remove {
        /// The change's name
        #[arg(value_name = "CHANGE")]
        change: Name,
        /// Remove even with uncommitted or unpushed work in a worktree
        #[arg(long)]
        force: bool,
    },
}

impl Command for WorktreeArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        match &self.action {
            Some(WorktreeAction::List) => list(&self.global, ui),
            Some(WorktreeAction::Remove { change, force }) => {
                remove(&self.global, change, *force, ui)
            }
            // `git realm worktree --json list`: global options before the subcommand
            // make clap read `list` as the change; with no other option it is `list`.
            None if self.change.as_ref().is_some_and(|c| c == "list")
                && self.domain.is_none()
                && self.repos.is_empty()
                && self.branch.is_none()
                && self.base.is_none()
                && !self.clone =>
            {
                list(&self.global, ui)
            }
            None => self.start(ui),
        }
    }
}

/// What happened to one repo's worktree.
#[derive(Debug, Clone, Serialize)]
struct RepoOutcome {
    repo: String,
    path: Option<PathBuf>,
    /// created | existing | failed
    outcome: &'static str,
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
    fn start(&self, ui: &Ui) -> Result<Exit> {
        let id = self.change.clone().expect("clap requires CHANGE");
        if RESERVED.contains(&id.as_str()) {
            return Err(Error::usage(format!(
                "CHANGE: '{id}' is a subcommand of `git realm worktree`, not a change name"
            ))
            .hint(format!("use `git realm worktree {id} ...` without other options, or pick another change name")));
        }
        if let Some(b) = &self.branch {
            change::check_branch("--branch", b)?;
        }
        if let Some(base) = &self.base
            && (base.is_empty() || base.starts_with('-'))
        {
            return Err(Error::usage(format!("--base {base}: not a git revision")));
        }
        let repo = git::open_current()?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        store.fetch()?;
        let snapshot = store.snapshot()?;
        let existing = snapshot.read::<ChangeFile>(&model::paths::change(id.as_str()))?;
        let (repos, domains) = self.participants(&snapshot, &me, existing.as_ref())?;
        let branch = match (&self.branch, &existing) {
            (Some(b), _) => b.clone(),
            (None, Some(c)) => c.branch.clone(),
            (None, None) => format!("feat/{id}"),
        };
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
                    change::join(&missing)
                ));
                for r in &missing {
                    err = err.hint(format!("{r}: {}", checkouts.missing_reason(r)));
                }
                return Err(err.hint(
                    "clone them next to this repository with --clone, or run `git realm join` in your existing checkout",
                ));
            }
            cloned = clone_missing(&snapshot, &m, checkouts.mine(), &missing)?;
            for c in &cloned {
                checkouts.set(&c.repo.parse().map_err(Error::usage)?, &c.path);
            }
        }

        // The realm learns about the change first: teammates see it, and a re-run
        // after a failed worktree completes the same change.
        let created_at = git::now(&repo)?;
        let created_by = change::identity_email(&repo)?;
        let updated = store.update(&mut ops::StartChange {
            actor: me.clone(),
            realm: m.realm.clone(),
            id: id.clone(),
            branch: branch.clone(),
            base: self.base.clone(),
            repos: repos.clone(),
            domains: domains.clone(),
            created_by,
            created_at,
        })?;
        let change = updated.value;

        let jobs: Vec<(Name, Option<PathBuf>)> = change
            .repos
            .iter()
            .map(|r| (r.clone(), checkouts.get(r)))
            .collect();
        let outcomes = change::parallel(&jobs, |(r, checkout)| {
            let Some(checkout) = checkout else {
                return RepoOutcome {
                    repo: r.to_string(),
                    path: None,
                    outcome: "failed",
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
                    outcome: if created { "created" } else { "existing" },
                    error: None,
                },
                Err(e) => RepoOutcome {
                    repo: r.to_string(),
                    path: Some(path),
                    outcome: "failed",
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
            .filter(|o| o.outcome == "failed")
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
) -> Result<Vec<Cloned>> {
    let parent = mine
        .parent()
        .ok_or_else(|| Error::usage(format!("{} has no parent directory", mine.display())))?;
    let mut jobs = Vec::new();
    for r in missing {
        let file = snapshot.require::<RepoFile>(&model::paths::repo(r.as_str()), "repo")?;
        jobs.push((r.clone(), file.url.to_string(), parent.join(r.as_str())));
    }
    let results = change::parallel(&jobs, |(name, url, dest)| -> Result<PathBuf> {
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
    let listed = git::worktrees::list(checkout)?;
    if let Some(wt) = listed.iter().find(|w| same_path(&w.path, path)) {
        if wt.path.is_dir() {
            return match &wt.branch {
                Some(b) if b == branch => Ok(false),
                other => Err(Error::conflict(format!(
                    "{} exists but is on {}, not {branch}",
                    path.display(),
                    other
                        .as_deref()
                        .map(|b| format!("branch {b}"))
                        .unwrap_or_else(|| "a detached HEAD".into())
                ))),
            };
        }
        // Registered but deleted by hand: forget it so it can be made again.
        git::worktrees::prune(checkout)?;
    } else if path.exists() {
        return Err(Error::conflict(format!(
            "{} exists and is not a worktree of {}",
            path.display(),
            checkout.display()
        )));
    }
    // After `worktree remove` the branch was kept: `add` picks it up again.
    git::worktrees::add(checkout, path, branch, base)?;
    Ok(true)
}

/// Add `.worktrees/` to the repository's `info/exclude` (shared by its worktrees), once.
fn exclude_worktrees(checkout: &Path) -> Result<()> {
    let repo = git::open_at(checkout)?;
    let file = repo.common_dir().join("info").join("exclude");
    let line = format!("{}/", change::WORKTREES_DIR);
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

fn same_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    a == b || canon(a) == canon(b)
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
            "created" => item(ui, 2, Mark::Ok, format!("{}: {path}", o.repo)),
            "existing" => item(
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
    let made = r.repos.iter().filter(|o| o.outcome != "failed").count();
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
    let paths: Vec<&RepoOutcome> = r.repos.iter().filter(|o| o.outcome != "failed").collect();
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
                    change::shell_quote(&p.display().to_string())
                ));
            }
        }
        ui.line("Then: edit, `git add`, and `git realm commit -m MSG` from any of them.");
    }
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

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

fn list(global: &GlobalArgs, ui: &Ui) -> Result<Exit> {
    let repo = git::open_current()?;
    let (m, me) = membership::one(&repo, global.realm.as_ref())?;
    // Local copy only, like `status`: fast, and works offline.
    let store = Store::member(&repo, m.realm.as_str(), &m.url);
    let snapshot = store.snapshot()?;
    let checkouts = Checkouts::load(&repo, &m.realm, &me)?;
    let mut listed = Vec::new();
    for c in change::all_changes(&snapshot)? {
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
        ui.json(&serde_json::json!({"realm": m.realm, "repo": me, "changes": listed}));
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

#[derive(Debug, Serialize)]
struct Removed {
    repo: String,
    path: PathBuf,
    /// removed | absent | failed
    outcome: &'static str,
    error: Option<String>,
}

fn remove(global: &GlobalArgs, id: &Name, force: bool, ui: &Ui) -> Result<Exit> {
    let repo = git::open_current()?;
    let (m, me) = membership::one(&repo, global.realm.as_ref())?;
    let store = Store::member(&repo, m.realm.as_str(), &m.url);
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
                        "CHANGE: realm '{}' has no change '{id}' ({path} is missing)",
                        m.realm
                    ))
                })?
        }
    };
    let checkouts = Checkouts::load(&repo, &m.realm, &me)?;
    let targets: Vec<(Name, PathBuf, PathBuf)> = change
        .repos
        .iter()
        .filter_map(|r| {
            checkouts
                .get(r)
                .map(|co| (r.clone(), worktree_path(&co, id), co))
        })
        .collect();

    // Look at every worktree before removing any: all or nothing.
    if !force {
        let problems: Vec<Vec<String>> = change::parallel(&targets, |(r, wt, _)| {
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
        let problems: Vec<String> = problems.into_iter().flatten().collect();
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

    let results = change::parallel(&targets, |(r, wt, checkout)| {
        let listed = git::worktrees::list(checkout).unwrap_or_default();
        let registered = listed.iter().any(|w| same_path(&w.path, wt));
        if !registered && !wt.exists() {
            return Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: "absent",
                error: None,
            };
        }
        match git::worktrees::remove(checkout, wt, force) {
            Ok(_) => Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: "removed",
                error: None,
            },
            Err(e) => Removed {
                repo: r.to_string(),
                path: wt.clone(),
                outcome: "failed",
                error: Some(e.message),
            },
        }
    });
    let failed = results.iter().filter(|r| r.outcome == "failed").count();
    if ui.json {
        ui.json(&serde_json::json!({"realm": m.realm, "change": id, "branch": change.branch, "worktrees": results}));
    } else {
        for r in &results {
            match r.outcome {
                "removed" => ui.ok(format!("{}: removed {}", r.repo, r.path.display())),
                "absent" => ui.line(format!("  {}: no worktree at {}", r.repo, r.path.display())),
                _ => ui.bad(format!(
                    "{}: {}",
                    r.repo,
                    r.error.as_deref().unwrap_or("failed")
                )),
            }
        }
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

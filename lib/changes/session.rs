//! The change a command acts on: found from the current worktree's branch, or
//! named with `--change`, with the realm store and this machine's checkouts.

use std::path::PathBuf;

use super::{
    Checkouts, all_changes, current_branch, current_workdir, main_checkout, worktree_path_of,
};
use crate::error::{Error, Result};
use crate::git;
use crate::membership;
use crate::model::{self, ChangeFile, Name};
use crate::store::{Snapshot, Store};

/// A command acting on the change the user is working in.
pub struct Session<'r> {
    pub repo: &'r gix::Repository,
    pub realm: Name,
    pub realm_url: String,
    pub me: Name,
    pub store: Store<'r>,
    pub change: ChangeFile,
    pub checkouts: Checkouts,
    /// The checkouts of the change's repos, each opened once for the session.
    opened: git::Opened,
}

impl<'r> Session<'r> {
    /// The change named by `--change`, else the one whose branch is checked out
    /// here, else the one whose `.worktrees/<change>` directory we are in. The local
    /// realm copy is tried first; the realm is fetched only when it does not know.
    pub fn open(
        repo: &'r gix::Repository,
        realm: Option<&Name>,
        explicit: Option<&Name>,
    ) -> Result<Session<'r>> {
        let (m, me) = membership::one(repo, realm)?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let change = match locate(repo, &store.snapshot()?, &me, explicit)? {
            Some(c) => c,
            None => {
                store.fetch()?;
                locate(repo, &store.snapshot()?, &me, explicit)?
                    .ok_or_else(|| not_found(repo, &m.realm, &me, explicit))?
            }
        };
        let checkouts = Checkouts::load(repo, &m.realm, &me)?;
        let opened = git::Opened::default();
        for r in &change.repos {
            if let Some(dir) = checkouts.get(r) {
                let checkout = opened.open(&dir).ok();
                super::refuse_default_branch(r, checkout.as_ref(), &change.branch)?;
            }
        }
        Ok(Session {
            repo,
            realm: m.realm,
            realm_url: m.url,
            me,
            store,
            change,
            checkouts,
            opened,
        })
    }

    /// Fetch the realm and re-read the change: for commands that talk to the
    /// network anyway and must see what teammates recorded (PRs).
    pub fn refresh(&mut self) -> Result<()> {
        self.store.fetch()?;
        let path = model::paths::change(self.change.id.as_str());
        self.change = self
            .store
            .snapshot()?
            .require::<ChangeFile>(&path, "the change")?;
        Ok(())
    }

    /// The worktree of `repo` for this change: the one we are in (for this repo),
    /// else `<checkout>/.worktrees/<change>`. `Err` says why there is none.
    pub fn worktree(&self, repo: &Name) -> std::result::Result<PathBuf, String> {
        if repo == &self.me
            && let Some(dir) = current_workdir(self.repo)
            && current_branch(self.repo).as_deref() == Some(self.change.branch.as_str())
        {
            return Ok(dir);
        }
        let checkout = self
            .checkouts
            .get(repo)
            .ok_or_else(|| self.checkouts.missing_reason(repo))?;
        let opened = self.opened.open(&checkout).ok();
        let path = worktree_path_of(&checkout, opened.as_ref(), &self.change.id);
        if !path.is_dir() {
            return Err(format!(
                "no worktree at {} (run `git realm worktree {}`)",
                path.display(),
                self.change.id
            ));
        }
        Ok(path)
    }
}

fn locate(
    repo: &gix::Repository,
    snapshot: &Snapshot<'_>,
    me: &Name,
    explicit: Option<&Name>,
) -> Result<Option<ChangeFile>> {
    if let Some(id) = explicit {
        return snapshot.read::<ChangeFile>(&model::paths::change(id.as_str()));
    }
    let branch = current_branch(repo);
    let mine: Vec<ChangeFile> = all_changes(snapshot)?
        .into_iter()
        .filter(|c| c.repos.contains(me))
        .collect();
    let by_branch: Vec<&ChangeFile> = mine
        .iter()
        .filter(|c| Some(c.branch.as_str()) == branch.as_deref())
        .collect();
    if let [one] = by_branch.as_slice() {
        return Ok(Some((*one).clone()));
    }
    // `<checkout>/<realm.worktreeDir>/<change>`: the directory names the change.
    let worktrees = main_checkout(repo).join(crate::settings::worktree_dir(&main_checkout(repo)));
    let worktrees = std::fs::canonicalize(&worktrees).unwrap_or(worktrees);
    if let Some(dir) = current_workdir(repo)
        && dir.parent() == Some(worktrees.as_path())
        && let Some(name) = dir.file_name().and_then(|n| n.to_str())
        && let Some(found) = mine.iter().find(|c| c.id == name)
    {
        return Ok(Some(found.clone()));
    }
    if by_branch.len() > 1 {
        let ids: Vec<&str> = by_branch.iter().map(|c| c.id.as_str()).collect();
        return Err(Error::usage(format!(
            "branch '{}' belongs to several changes ({}): say which with --change CHANGE",
            branch.unwrap_or_default(),
            ids.join(", ")
        )));
    }
    Ok(None)
}

fn not_found(repo: &gix::Repository, realm: &Name, me: &Name, explicit: Option<&Name>) -> Error {
    if let Some(id) = explicit {
        return Error::usage(format!(
            "--change {id}: realm '{realm}' has no change '{id}' (changes/{id}.yaml is missing)"
        ))
        .hint(format!("start it with `git realm worktree {id}`"));
    }
    let here = match current_branch(repo) {
        Some(b) => format!("branch '{b}'"),
        None => "a detached HEAD".to_owned(),
    };
    Error::usage(format!(
        "not inside a worktree of a change: this worktree is on {here}, which is no change of realm '{realm}' that {me} takes part in"
    ))
    .hint("run it from a worktree made by `git realm worktree CHANGE`, or name the change with --change CHANGE")
    .hint("`git realm worktree list` shows the changes this repository takes part in")
}

// ---------------------------------------------------------------------------
// Merge order
// ---------------------------------------------------------------------------

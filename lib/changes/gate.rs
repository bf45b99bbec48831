//! The merge-order part of the pull-request gate: when the checked branch is the
//! branch of a coordinated change, a consumer's pull request may merge only after
//! the pull requests of the providers it depends on in that change.
//!
//! Before `git realm pr` has opened the change's pull requests there is no order to
//! enforce (only consistency is judged); afterwards the provider PRs' states come
//! from `gh`.

use serde::Serialize;

use super::{all_changes, dependencies, merge_order};
use crate::error::Result;
use crate::forge::{Gh, PrState};
use crate::model::{ChangeFile, ChangeStatus, Name};
use crate::store::Snapshot;

/// A provider pull request this one waits for.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub repo: Name,
    /// `null` when the provider has no pull request yet.
    pub url: Option<String>,
    pub state: Option<PrState>,
    /// The contracts that make it a provider (`domain/contract`).
    pub contracts: Vec<String>,
    /// Why its state is unknown (gh failed).
    pub error: Option<String>,
}

/// The change the checked branch belongs to, and what must merge first.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeGate {
    pub change: Name,
    pub branch: String,
    pub merge_order: Vec<Name>,
    /// Whether the change's pull requests exist yet.
    pub prs_opened: bool,
    pub waiting_on: Vec<Waiting>,
}

/// The open change `me` takes part in whose branch is `branch`.
pub fn change_of(snapshot: &Snapshot<'_>, me: &Name, branch: &str) -> Result<Option<ChangeFile>> {
    Ok(all_changes(snapshot)?
        .into_iter()
        .find(|c| c.branch == branch && c.status == ChangeStatus::Open && c.repos.contains(me)))
}

/// The open change of `me` whose branch is `branch`, with the provider pull
/// requests that must merge first.
pub fn merge_order_gate(
    snapshot: &Snapshot<'_>,
    me: &Name,
    branch: &str,
    gh: impl Fn() -> Result<Gh>,
) -> Result<Option<ChangeGate>> {
    match change_of(snapshot, me, branch)? {
        Some(change) => merge_order_of(snapshot, me, &change, gh).map(Some),
        None => Ok(None),
    }
}

/// `change`'s merge order as it concerns `me`: the provider pull requests that
/// must merge before `me`'s.
pub fn merge_order_of(
    snapshot: &Snapshot<'_>,
    me: &Name,
    change: &ChangeFile,
    gh: impl Fn() -> Result<Gh>,
) -> Result<ChangeGate> {
    let deps = dependencies(snapshot, change)?;
    let mut gate = ChangeGate {
        change: change.id.clone(),
        branch: change.branch.clone(),
        merge_order: merge_order(&change.repos, &deps)?,
        prs_opened: !change.prs.is_empty(),
        waiting_on: Vec::new(),
    };
    if !gate.prs_opened {
        return Ok(gate);
    }
    let mut gh_found: Option<Gh> = None;
    for d in deps.iter().filter(|d| &d.consumer == me) {
        let pr = change.prs.iter().find(|p| p.repo == d.provider);
        let mut waiting = Waiting {
            repo: d.provider.clone(),
            url: pr.map(|p| p.url.clone()),
            state: None,
            contracts: d.contracts.clone(),
            error: None,
        };
        let (Some(pr), Some(slug)) = (pr, snapshot.github_slug(d.provider.as_str())?) else {
            gate.waiting_on.push(waiting);
            continue;
        };
        if gh_found.is_none() {
            gh_found = Some(gh()?);
        }
        let gh = gh_found.as_ref().expect("just found");
        match gh.pr_view(&slug, pr.number) {
            Ok(view) if view.state == PrState::Merged => continue,
            Ok(view) => waiting.state = Some(view.state),
            Err(e) => waiting.error = Some(e.message),
        }
        gate.waiting_on.push(waiting);
    }
    Ok(gate)
}

//! The state of a change's pull requests (`git realm pr status`): what gh says of
//! each (state, checks, review decision, mergeability), whether the merge order was
//! respected, and closing the change once every pull request is merged.

use std::collections::BTreeMap;

use serde::Serialize;

use super::prs::providers_of;
use super::{Dependency, Session};
use crate::error::Result;
use crate::forge::{CheckBucket, Gh, PrReadiness, PrState};
use crate::model::{ChangeStatus, Name, PullRequest};
use crate::ops;
use crate::parallel;

#[derive(Debug, Clone, Serialize)]
pub struct PrStatus {
    pub repo: String,
    pub number: Option<u64>,
    pub url: Option<String>,
    /// OPEN | CLOSED | MERGED, `null` without a PR or when gh failed
    pub state: Option<PrState>,
    pub merged_at: Option<String>,
    /// Whether it is a draft (`null` when unknown).
    pub draft: Option<bool>,
    /// The head commit's checks; `null` when unknown.
    pub checks: Option<Checks>,
    /// APPROVED | CHANGES_REQUESTED | REVIEW_REQUIRED; `null` when no review is
    /// required or it is unknown.
    pub review_decision: Option<String>,
    /// MERGEABLE | CONFLICTING | UNKNOWN; `null` when unknown.
    pub mergeable: Option<String>,
    pub blocked_by: Vec<String>,
    pub error: Option<String>,
}

/// The checks of a pull request's head commit, counted as `gh pr checks` does.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Checks {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub pending: usize,
    /// The names of the failing ones.
    pub failing: Vec<String>,
}

impl Checks {
    pub fn of(view: &PrReadiness) -> Checks {
        let mut c = Checks::default();
        for check in view.status_check_rollup.iter().flatten() {
            c.total += 1;
            match check.bucket() {
                CheckBucket::Pass => c.pass += 1,
                CheckBucket::Pending => c.pending += 1,
                CheckBucket::Fail => {
                    c.fail += 1;
                    c.failing.push(check.label().to_owned());
                }
            }
        }
        c
    }

    /// `2 passed, 1 failing (lint), 1 pending`, or `no checks`.
    pub fn text(&self) -> String {
        if self.total == 0 {
            return "no checks".to_owned();
        }
        let mut parts = Vec::new();
        if self.pass > 0 {
            parts.push(format!("{} passed", self.pass));
        }
        if self.fail > 0 {
            parts.push(format!(
                "{} failing ({})",
                self.fail,
                self.failing.join(", ")
            ));
        }
        if self.pending > 0 {
            parts.push(format!("{} pending", self.pending));
        }
        format!("checks: {}", parts.join(", "))
    }
}
/// A consumer merged while a provider it depends on was not merged before it.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub consumer: String,
    pub provider: String,
    pub contracts: Vec<String>,
}

/// Every PR of the change in merge order, as gh reports it now (in parallel; a
/// failure to ask is recorded on its `PrStatus`).
pub fn survey(
    s: &Session<'_>,
    order: &[Name],
    deps: &[Dependency],
    slugs: &BTreeMap<Name, Option<String>>,
    limit: usize,
) -> Result<Vec<PrStatus>> {
    let jobs: Vec<(Name, Option<String>, Option<PullRequest>)> = order
        .iter()
        .map(|r| {
            let pr = s.change.prs.iter().find(|p| &p.repo == r).cloned();
            (r.clone(), slugs[r].clone(), pr)
        })
        .collect();
    let gh = if jobs
        .iter()
        .any(|(_, slug, pr)| slug.is_some() && pr.is_some())
    {
        Some(Gh::locate(Some(s.repo))?)
    } else {
        None
    };
    let views: Vec<Option<Result<PrReadiness>>> =
        parallel::parallel(&jobs, limit, |(_, slug, pr)| {
            let (Some(slug), Some(pr), Some(gh)) = (slug, pr, &gh) else {
                return None;
            };
            Some(gh.pr_readiness(slug, pr.number))
        });
    let mut states: Vec<PrStatus> = Vec::new();
    for ((r, _, pr), view) in jobs.iter().zip(views) {
        let mut st = PrStatus {
            repo: r.to_string(),
            number: pr.as_ref().map(|p| p.number),
            url: pr.as_ref().map(|p| p.url.clone()),
            state: None,
            merged_at: None,
            draft: None,
            checks: None,
            review_decision: None,
            mergeable: None,
            blocked_by: providers_of(r, deps),
            error: None,
        };
        match view {
            // Anyone who writes the realm can record any number: a pull request
            // from another branch is not this change's, and its state says
            // nothing of it (nor closes it).
            Some(Ok(v)) if v.view.head_ref_name != s.change.branch => {
                st.error = Some(format!(
                    "{}#{} is a pull request from branch {}, not {}: not counted (the realm's record of it is wrong)",
                    slugs[r].as_deref().unwrap_or(r.as_str()),
                    v.view.number,
                    v.view.head_ref_name,
                    s.change.branch
                ));
            }
            Some(Ok(v)) => {
                st.checks = Some(Checks::of(&v));
                st.draft = Some(v.is_draft);
                st.review_decision = v.review_decision.filter(|d| !d.is_empty());
                st.mergeable = v.mergeable.filter(|m| !m.is_empty());
                st.state = Some(v.view.state);
                st.merged_at = v.view.merged_at;
            }
            Some(Err(e)) => st.error = Some(e.message),
            None => {}
        }
        states.push(st);
    }
    Ok(states)
}

/// The consumers merged while a provider they import from was not merged first.
pub fn violations(states: &[PrStatus], deps: &[Dependency]) -> Vec<Violation> {
    let find = |r: &Name| states.iter().find(|p| p.repo == r.as_str());
    let mut violations = Vec::new();
    for d in deps {
        let (Some(c), Some(p)) = (find(&d.consumer), find(&d.provider)) else {
            continue;
        };
        if c.state != Some(PrState::Merged) {
            continue;
        }
        let provider_first = p.state == Some(PrState::Merged)
            && match (&p.merged_at, &c.merged_at) {
                (Some(pa), Some(ca)) => merged_before(pa, ca),
                _ => true,
            };
        if !provider_first {
            violations.push(Violation {
                consumer: d.consumer.to_string(),
                provider: d.provider.to_string(),
                contracts: d.contracts.clone(),
            });
        }
    }
    violations
}

/// Every pull request merged: close the change, for everyone. `Some(realm commit)`
/// when this call closed it.
pub fn close_if_merged(s: &Session<'_>, states: &[PrStatus]) -> Result<Option<Option<String>>> {
    let all_merged = !states.is_empty() && states.iter().all(|p| p.state == Some(PrState::Merged));
    if !all_merged || s.change.status != ChangeStatus::Open {
        return Ok(None);
    }
    let updated = s.store.update(&mut ops::CloseChange {
        actor: s.me.clone(),
        change: s.change.id.clone(),
        status: ChangeStatus::Merged,
    })?;
    Ok(Some(updated.commit.map(|c| c.to_string())))
}

/// Whether merge time `a` is no later than `b` (RFC 3339, as gh prints them).
pub fn merged_before(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => a <= b,
    }
}

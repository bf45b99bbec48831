//! `git realm pr status`: every pull request of a change, what `gh pr status`
//! shows of it (state, checks, review decision, mergeability), and whether the
//! merge order is respected. Works from any member checkout with `--change`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::changes::{Dependency, Session};
use crate::error::{Exit, Result};
use crate::forge::{CheckBucket, Gh, PrReadiness, PrState};
use crate::model::{ChangeStatus, Name, PullRequest};
use crate::ops;
use crate::parallel;
use crate::ui::Ui;
use crate::ui::{Mark, item};

use crate::changes::prs::providers_of;

#[derive(Debug, Clone, Serialize)]
struct PrStatus {
    repo: String,
    number: Option<u64>,
    url: Option<String>,
    /// OPEN | CLOSED | MERGED, `null` without a PR or when gh failed
    state: Option<PrState>,
    merged_at: Option<String>,
    /// Whether it is a draft (`null` when unknown).
    draft: Option<bool>,
    /// The head commit's checks; `null` when unknown.
    checks: Option<Checks>,
    /// APPROVED | CHANGES_REQUESTED | REVIEW_REQUIRED; `null` when no review is
    /// required or it is unknown.
    review_decision: Option<String>,
    /// MERGEABLE | CONFLICTING | UNKNOWN; `null` when unknown.
    mergeable: Option<String>,
    blocked_by: Vec<String>,
    error: Option<String>,
}

/// The checks of a pull request's head commit, counted as `gh pr checks` does.
#[derive(Debug, Clone, Default, Serialize)]
struct Checks {
    total: usize,
    pass: usize,
    fail: usize,
    pending: usize,
    /// The names of the failing ones.
    failing: Vec<String>,
}

impl Checks {
    fn of(view: &PrReadiness) -> Checks {
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
    fn text(&self) -> String {
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
struct Violation {
    consumer: String,
    provider: String,
    contracts: Vec<String>,
}

/// `pr status --json`.
#[derive(Serialize)]
struct PrStatusReport<'a> {
    realm: &'a Name,
    change: &'a Name,
    branch: &'a str,
    merge_order: &'a [Name],
    prs: &'a [PrStatus],
    violations: &'a [Violation],
    order_respected: bool,
    /// Whether this run closed the change (every pull request merged).
    closed: bool,
}

pub(super) fn run(
    s: &Session<'_>,
    order: &[Name],
    deps: &[Dependency],
    slugs: &BTreeMap<Name, Option<String>>,
    exit_code: bool,
    limit: usize,
    ui: &Ui,
) -> Result<Exit> {
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
    let gh_failed = states.iter().any(|p| p.error.is_some());
    // Every pull request merged: the change is done, for everyone.
    let all_merged = !states.is_empty() && states.iter().all(|p| p.state == Some(PrState::Merged));
    let mut closed_now = None;
    if all_merged && s.change.status == ChangeStatus::Open {
        let updated = s.store.update(&mut ops::CloseChange {
            actor: s.me.clone(),
            change: s.change.id.clone(),
            status: ChangeStatus::Merged,
        })?;
        closed_now = Some(updated.commit.map(|c| c.to_string()));
    }
    if ui.json {
        ui.json(&PrStatusReport {
            realm: &s.realm,
            change: &s.change.id,
            branch: &s.change.branch,
            merge_order: order,
            prs: &states,
            order_respected: violations.is_empty(),
            violations: &violations,
            closed: closed_now.is_some(),
        });
    } else {
        let tag = |repo: &str| -> String {
            states
                .iter()
                .find(|p| p.repo == repo)
                .and_then(|p| p.number)
                .map(|n| format!("{repo}#{n}"))
                .unwrap_or_else(|| repo.to_owned())
        };
        let chain: Vec<String> = order.iter().map(|r| tag(r.as_str())).collect();
        ui.line(format!(
            "Pull requests of change '{}' (merge order: {}):",
            s.change.id,
            chain.join(" → ")
        ));
        for p in &states {
            let label = tag(&p.repo);
            match (&p.state, &p.error, &p.number) {
                (_, Some(e), _) => item(ui, 2, Mark::Bad, format!("{label}: {e}")),
                (None, None, None) => item(
                    ui,
                    2,
                    Mark::Warn,
                    format!(
                        "{label}: no pull request{}",
                        if slugs
                            .get(&p.repo.parse::<Name>().expect("a repo name"))
                            .is_some_and(Option::is_none)
                        {
                            " (not on GitHub)"
                        } else {
                            " (run `git realm pr`)"
                        }
                    ),
                ),
                (Some(PrState::Merged), _, _) => item(
                    ui,
                    2,
                    Mark::Ok,
                    format!(
                        "{label}: merged{}",
                        p.merged_at
                            .as_ref()
                            .map(|t| format!(" at {t}"))
                            .unwrap_or_default()
                    ),
                ),
                (Some(state), _, _) => {
                    let waiting: Vec<String> = p
                        .blocked_by
                        .iter()
                        .filter(|b| {
                            states
                                .iter()
                                .find(|x| &x.repo == *b)
                                .is_some_and(|x| x.state != Some(PrState::Merged))
                        })
                        .map(|b| tag(b))
                        .collect();
                    let closed = *state == PrState::Closed;
                    let state = match (state, p.draft) {
                        (PrState::Open, Some(true)) => "open (draft)",
                        (PrState::Open, _) => "open",
                        (PrState::Closed, _) => "closed without merging",
                        (PrState::Merged, _) => "merged",
                    };
                    let wait = if waiting.is_empty() {
                        String::new()
                    } else {
                        format!(" — merge {} first", waiting.join(", "))
                    };
                    ui.line(format!("  • {label}: {state}{wait}"));
                    if !closed {
                        ui.line(format!("      {}", readiness_text(p)));
                    }
                }
                (None, None, Some(_)) => item(ui, 2, Mark::Warn, format!("{label}: state unknown")),
            }
        }
        if violations.is_empty() {
            ui.ok("Merge order respected so far.");
        } else {
            for v in &violations {
                item(
                    ui,
                    0,
                    Mark::Bad,
                    format!(
                        "Merge order violated: {} was merged before {}, which provides {}",
                        tag(&v.consumer),
                        tag(&v.provider),
                        v.contracts.join(", ")
                    ),
                );
            }
            ui.line(format!(
                "  {} may be broken until {} is merged and deployed.",
                violations
                    .iter()
                    .map(|v| v.consumer.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                violations
                    .iter()
                    .map(|v| v.provider.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if closed_now.is_some() {
        ui.ok(format!(
            "Every pull request is merged: change '{}' is closed. `git realm worktree finish {}` removes its worktrees and branches here.",
            s.change.id, s.change.id
        ));
    }
    if exit_code && !violations.is_empty() {
        return Ok(Exit::Attention);
    }
    if gh_failed {
        return Ok(Exit::External);
    }
    Ok(Exit::Success)
}

/// `checks: 2 passed · review: approved · mergeable`, as `gh pr status` words it.
fn readiness_text(p: &PrStatus) -> String {
    let checks = p
        .checks
        .as_ref()
        .map(Checks::text)
        .unwrap_or_else(|| "checks: unknown".to_owned());
    let review = match p.review_decision.as_deref() {
        Some("APPROVED") => "review: approved",
        Some("CHANGES_REQUESTED") => "review: changes requested",
        Some("REVIEW_REQUIRED") => "review: required",
        Some(_) => "review: unknown",
        None => "review: not required",
    };
    let mergeable = match p.mergeable.as_deref() {
        Some("MERGEABLE") => "mergeable",
        Some("CONFLICTING") => "merge conflicts",
        _ => "mergeability not known yet",
    };
    format!("{checks} · {review} · {mergeable}")
}

/// Whether merge time `a` is no later than `b` (RFC 3339, as gh prints them).
pub(super) fn merged_before(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => a <= b,
    }
}

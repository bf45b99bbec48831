//! `git realm pr status`: every pull request of a change, what `gh pr status`
//! shows of it (state, checks, review decision, mergeability), and whether the
//! merge order is respected. Works from any member checkout with `--change`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::changes::pr_status::{self, Checks, PrStatus, Violation};
use crate::changes::{Dependency, Session};
use crate::error::{Exit, Result};
use crate::forge::PrState;
use crate::model::Name;
use crate::ui::Ui;
use crate::ui::{Mark, item};

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
    let states = pr_status::survey(s, order, deps, slugs, limit)?;
    let violations = pr_status::violations(&states, deps);
    let gh_failed = states.iter().any(|p| p.error.is_some());
    let closed_now = pr_status::close_if_merged(s, &states)?;
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

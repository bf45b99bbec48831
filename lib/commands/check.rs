//! `git realm check`: the read-only health check for CI and prompts.
//!
//! Exports are recomputed from their sources at `HEAD` (committed code only) and
//! compared with the published contract (the pending diff, the version it would
//! get, and which consumers it breaks); what uncommitted files would change is
//! shown apart. Imports are `current`, `stale` (a newer version to resolve),
//! `grace` (broken by a version still inside the realm's grace period) or
//! `broken` (a version removes or changes an item it uses, or — when it declares no
//! uses — falls outside its requirement; or verification fails).
//! Exit 0 when everything is current, 1 when something needs attention.
//!
//! `--against REV` makes it the pull-request gate (`crate::gate`): exit 0 when no
//! consumer breaks, 1 when one would, 3 when the realm's policy refuses it.

use clap::Parser;

use crate::changes::gate::ChangeGate;
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts::CheckReport;
use crate::error::{Exit, Result};
use crate::forge::Gh;
use crate::gate::{self, Verdict};
use crate::git;
use crate::membership;
use crate::store::Store;
use crate::ui::contracts::{print_export, print_export_against, print_imports};
use crate::ui::{Paint, Ui, github};
use crate::workspace::WorkingTree;

/// Check exports and imports against the realm (exit 1 when something needs attention)
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-check",
    bin_name = "git realm check",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm check --fetch                   # in CI: fails when a contract needs attention\n",
        "  git realm check --fetch --against origin/main --format github   # the pull-request gate\n",
        "  git realm check --imports --json | jq '.realms[].imports[] | select(.state != \"current\")'\n\n",
        crate::exit_status!()
    ),
)]
pub struct CheckArgs {
    /// Fetch the realm first (otherwise the local copy is used)
    #[arg(long)]
    pub fetch: bool,

    /// Check only exports
    #[arg(long)]
    pub exports: bool,

    /// Check only imports
    #[arg(long)]
    pub imports: bool,

    /// Output: text, json (as --json), or github (workflow annotations, and a
    /// markdown summary in $GITHUB_STEP_SUMMARY when it is set)
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub format: Format,

    /// Judge this commit as a pull request into REV (a branch, origin/main, or the
    /// base commit a CI provides, fetched from origin when a shallow clone lacks
    /// it): exit 0 when no consumer breaks, 1 when one would, 3 when the realm's
    /// policy refuses the change
    #[arg(long, value_name = "REV")]
    pub against: Option<String>,

    /// The branch checked, for a coordinated change: its merge order, and its
    /// providers' values on that branch (default: the current branch, else
    /// $GITHUB_HEAD_REF or $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// How `check` reports.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
}

impl Command for CheckArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::at_least_one(&repo, self.global.realm.as_ref())?;
        let base = match &self.against {
            Some(rev) => Some(gate::resolve_base(&repo, rev)?),
            None => None,
        };
        let both = !self.exports && !self.imports;
        let workspace = WorkingTree::new(&repo);
        let branch = self.branch.clone().or_else(|| checked_branch(&repo));
        let options = gate::Options {
            exports: self.exports || both,
            imports: self.imports || both,
            today: git::now(&repo)?.to_zoned(jiff::tz::TimeZone::UTC).date(),
            base: base.as_ref(),
            branch: branch.as_deref(),
            network: self.fetch || base.is_some(),
        };
        // Every realm is checked and reported; the exit status is the worst one.
        let each = membership::each(ui, &memberships, |m| {
            let me = m.me()?;
            let store = Store::member(&repo, m.realm.as_str(), &m.url);
            if self.fetch {
                // Offline fails the check (exit 4): CI must notice.
                store.fetch()?;
            }
            let snapshot = store.snapshot()?;
            gate::check_realm(
                &snapshot,
                m.realm.as_str(),
                &me,
                &workspace,
                &options,
                || Gh::locate(Some(&repo)),
            )
        })?;
        let realms = each.done;
        let judged = realms
            .iter()
            .map(gate::exit)
            .fold(Exit::Success, Exit::worst);
        let report = CheckReport {
            ok: judged == Exit::Success && each.failed.is_empty(),
            realms,
            errors: each.failed,
        };
        if ui.json || self.format == Format::Json {
            ui.json(&report);
        } else if self.format == Format::Github {
            for line in github::annotations(&report) {
                crate::ui::stdout_raw(&format!("{line}\n"));
            }
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                github::append_summary(std::path::Path::new(&path), &report)?;
            }
            print(ui, &report);
        } else {
            print(ui, &report);
        }
        Ok(each.exit.worst(judged))
    }
}

/// The branch a CI job checks: the current branch, else what the CI says.
fn checked_branch(repo: &gix::Repository) -> Option<String> {
    let dir = repo.workdir().unwrap_or_else(|| repo.git_dir());
    git::refs::current_branch(dir)
        .ok()
        .flatten()
        .or_else(|| std::env::var("GITHUB_HEAD_REF").ok())
        .or_else(|| std::env::var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").ok())
        .filter(|b| !b.is_empty())
}

fn print(ui: &Ui, report: &CheckReport) {
    for r in &report.realms {
        let mut title = format!("{} in realm '{}'", r.repo, r.realm);
        if let Some(a) = &r.against {
            title.push_str(&format!(
                ", merging into {} ({})",
                a.rev,
                &a.commit[..a.commit.len().min(12)]
            ));
        }
        ui.line(ui.paint(&title, Paint::Bold));
        if r.exports.is_empty() && r.imports.is_empty() {
            ui.line("  no exports or imports");
        }
        for e in &r.exports {
            if r.against.is_some() {
                print_export_against(ui, e);
            } else {
                print_export(ui, e);
            }
        }
        print_imports(ui, &r.imports);
        if let Some(c) = &r.change {
            print_change_gate(ui, c);
        }
    }
    let verdict = report
        .realms
        .iter()
        .filter_map(|r| r.against.as_ref().map(|a| a.verdict))
        .max();
    if !report.errors.is_empty() {
        ui.line(format!(
            "Could not check realm {} (see the errors).",
            report
                .errors
                .iter()
                .map(|e| format!("'{}'", e.realm))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if let Some(v) = verdict {
        match v {
            Verdict::Pass => ui.ok("No consumer breaks: this can merge"),
            Verdict::Breaks => ui.line("This would break a consumer, or needs attention (exit 1)."),
            Verdict::Refused => ui.line("The realm's policy refuses this change (exit 3)."),
        }
    } else if report.ok {
        ui.ok("All contracts current");
    } else {
        ui.line("Something needs attention (exit 1).");
    }
}

fn print_change_gate(ui: &Ui, c: &ChangeGate) {
    let order: Vec<&str> = c.merge_order.iter().map(|n| n.as_str()).collect();
    if !c.prs_opened {
        ui.ok(format!(
            "change '{}': pull requests not opened yet (merge order {})",
            c.change,
            order.join(" → ")
        ));
        return;
    }
    if c.waiting_on.is_empty() {
        ui.ok(format!(
            "change '{}': the providers' pull requests are merged; this one may merge",
            c.change
        ));
        return;
    }
    for w in &c.waiting_on {
        let what = match (&w.url, &w.error) {
            (_, Some(e)) => format!("{}'s pull request (its state is unknown: {e})", w.repo),
            (Some(url), None) => url.clone(),
            (None, None) => format!("{} has no pull request yet", w.repo),
        };
        ui.bad(format!(
            "change '{}': merge {what} first ({}; merge order {})",
            c.change,
            w.contracts.join(", "),
            order.join(" → ")
        ));
    }
}

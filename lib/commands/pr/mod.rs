//! `git realm pr`: one pull request per repo of a change, opened with `gh` in merge
//! order (providers before consumers), each linking its siblings and saying what
//! must merge first; `git realm pr status`: their states, and whether the merge
//! order was respected.
//!
//! The merge order is a topological sort of the change's repos over the contracts
//! of its domains: a repo that exports a contract another repo of the change
//! imports merges first. PR urls are recorded in `changes/<change>.yaml`; a re-run
//! finds them there (or, after a crash before the record, with `gh pr list`) and
//! edits them, so no PR is ever opened twice.
//!
//! What people wrote stays: git-realm owns only a marked block of each body
//! (`crate::changes::pr_body`), and sets an existing PR's title only when asked
//! (`--title`, `--update-title`). A branch ahead of origin is pushed first
//! (`crate::changes::publish`), or, with `--no-push`, named in a warning.

use std::collections::BTreeMap;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::changes::prs::{
    self, PlannedCommand, PlannedPush, PrOptions, PrOutcome, Publication, RepoPr,
};
use crate::changes::{self, Session, publish};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::forge::Gh;
use crate::git;
use crate::model::{ChangeFile, Name};
use crate::ui::Ui;
use crate::ui::{Mark, item, shell_quote};

mod status;

/// Open linked pull requests for a change, in merge order
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-pr",
    bin_name = "git realm pr",
    version,
    args_conflicts_with_subcommands = true,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Merge order: a repo that exports a contract another repo of the change imports\n",
        "merges first. Repos not on GitHub are skipped. Re-running edits the existing\n",
        "pull requests (`gh pr edit`) and never opens a second one.\n\n",
        "What people wrote stays: git-realm owns only the block between\n",
        "`<!-- git-realm:begin -->` and `<!-- git-realm:end -->` in each body, and a re-run\n",
        "replaces that block only (a body without it gets it appended). An existing PR's\n",
        "title changes only with --title or --update-title.\n\n",
        "A branch with commits origin does not have is pushed first (branch and realm\n",
        "notes, as `git realm push` does); with --no-push it is not, and a warning names\n",
        "the repo and how many commits its PR does not show.\n\n",
        "Examples:\n",
        "  git realm pr --dry-run\n",
        "  git realm pr --title 'feat: training metrics v2' --draft\n",
        "  git realm pr --body 'Adds the experiment metrics path.' --base develop\n",
        "  git realm pr --update-title       # retitle existing PRs from the last commits\n",
        "  git realm pr --no-push            # warn about unpushed commits, push nothing\n",
        "  git realm pr status\n",
        "  git realm pr status --json --exit-code\n\n",
        crate::exit_status!()
    ),
)]
pub struct PrArgs {
    #[command(subcommand)]
    pub action: Option<PrAction>,

    /// The title of every PR, new or existing (a new PR's default: its branch's last commit subject)
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// Also retitle existing PRs with the default title (without it, their titles are left alone)
    #[arg(long, conflicts_with = "title")]
    pub update_title: bool,

    /// Text before git-realm's block in every PR's body (on existing PRs it replaces the text outside the block)
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,

    /// Push no branch; warn about each one that is ahead of origin
    #[arg(long)]
    pub no_push: bool,

    /// Open the PRs as drafts
    #[arg(long)]
    pub draft: bool,

    /// The branch to merge into (default: the change's base, else origin's default branch)
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,

    /// Print the pushes and gh commands that would run; run none, write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// The change (default: the one whose branch or worktree you are in)
    #[arg(long, value_name = "CHANGE", global = true)]
    pub change: Option<Name>,

    #[command(flatten)]
    pub jobs: crate::parallel::JobsArg,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum PrAction {
    /// Show every PR's state, checks, review decision and mergeability, and whether the merge order is respected
    #[command(after_long_help = concat!(
        "Works from any checkout of a member repository: name the change with\n",
        "--change CHANGE outside its worktrees. For every PR it shows what\n",
        "`gh pr status` shows: open (draft), merged or closed; its checks (passed,\n",
        "failing with their names, pending); the review decision (approved, changes\n",
        "requested, required); whether it can merge (mergeable, merge conflicts).\n",
        "When every PR is merged, the change is closed.\n\n",
        "Exit status with --exit-code: 1 when the merge order was violated (a consumer\n",
        "merged before a provider it imports from); failing checks, missing reviews and\n",
        "conflicts are reported, not turned into an exit status. Without --exit-code,\n",
        "0. Either way, 4 when gh could not be asked about a PR.\n\n",
        "Examples:\n",
        "  git realm pr status\n",
        "  git realm pr status --change training-metrics-v2    # from any member checkout\n",
        "  git realm pr status --json --exit-code\n",
    ))]
    Status {
        /// Exit 1 when a consumer was merged before its provider (nothing else sets it)
        #[arg(long)]
        exit_code: bool,
    },
}

/// `pr --json`.
#[derive(Serialize)]
struct PrReport<'a> {
    realm: &'a Name,
    change: &'a Name,
    branch: &'a str,
    merge_order: &'a [Name],
    prs: &'a [RepoPr],
    realm_commit: Option<String>,
}

/// `pr --dry-run --json`: the gh commands it would run.
#[derive(Serialize)]
struct PrDryRun<'a> {
    realm: &'a Name,
    change: &'a Name,
    dry_run: bool,
    merge_order: Vec<String>,
    /// The branches that would be pushed first (`--no-push`: that would not be).
    pushes: Vec<PlannedPush>,
    commands: Vec<PlannedCommand>,
    prs: &'a [RepoPr],
}

impl Command for PrArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        if let Some(t) = &self.title
            && t.trim().is_empty()
        {
            return Err(Error::usage("--title: the title is empty"));
        }
        if let Some(b) = &self.base {
            changes::check_base("--base", b)?;
        }
        let repo = git::open_current()?;
        let mut s = Session::open(&repo, self.global.realm.as_ref(), self.change.as_ref())?;
        // PRs recorded from another machine must be seen (dry runs stay offline).
        if !self.dry_run {
            s.refresh()?;
        }
        let snapshot = s.store.snapshot()?;
        let deps = changes::dependencies(&snapshot, &s.change)?;
        let order = changes::merge_order(&s.change.repos, &deps)?;
        let mut slugs = BTreeMap::new();
        for r in &order {
            slugs.insert(r.clone(), snapshot.github_slug(r.as_str())?);
        }
        drop(snapshot);
        match &self.action {
            Some(PrAction::Status { exit_code }) => {
                let limit = self.jobs.limit(&repo)?;
                status::run(&s, &order, &deps, &slugs, *exit_code, limit, ui)
            }
            None => {
                let opts = PrOptions {
                    title: self.title.clone(),
                    update_title: self.update_title,
                    body: self.body.clone(),
                    draft: self.draft,
                    no_push: self.no_push,
                    base: self.base.clone(),
                    limit: self.jobs.limit(&repo)?,
                };
                let mut list = prs::plan(&s, &order, &deps, &slugs, &opts);
                if self.dry_run {
                    dry_run(&s, &mut list, &opts, ui)
                } else {
                    open_prs(&s, &order, &mut list, &opts, ui)
                }
            }
        }
    }
}

/// Push, open, update and record the PRs, then report them.
fn open_prs(
    s: &Session<'_>,
    order: &[Name],
    list: &mut [RepoPr],
    opts: &PrOptions,
    ui: &Ui,
) -> Result<Exit> {
    let gh = Gh::locate(Some(s.repo))?;
    let branch = &s.change.branch;
    for publication in prs::publish(s, list, opts) {
        match publication {
            Publication::Held { index, commits } if commits > 0 => ui.warning(format!(
                "{}: {branch} has {commits} commit{} that origin does not have (not pushed: --no-push); its pull request does not show {}",
                list[index].repo,
                if commits == 1 { "" } else { "s" },
                if commits == 1 { "it" } else { "them" },
            )),
            Publication::Held { .. } => {}
            Publication::Pushed { index, commits } if !ui.json => item(
                ui,
                0,
                Mark::Ok,
                format!(
                    "{}: pushed {branch} to {} ({commits} new commit{})",
                    list[index].repo,
                    publish::REMOTE,
                    if commits == 1 { "" } else { "s" }
                ),
            ),
            Publication::Pushed { .. } => {}
        }
    }
    prs::open(s, &gh, list, opts);
    let updated = prs::record(s, list, order)?;

    if ui.json {
        ui.json(&PrReport {
            realm: &s.realm,
            change: &s.change.id,
            branch: &s.change.branch,
            merge_order: order,
            prs: list,
            realm_commit: updated.commit.map(|c| c.to_string()),
        });
    } else {
        print_prs(ui, list, &s.change);
    }
    let failed: Vec<&str> = list
        .iter()
        .filter(|p| p.outcome == PrOutcome::Failed)
        .map(|p| p.repo.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(Exit::Success);
    }
    if ui.json {
        return Ok(Exit::External);
    }
    Err(Error::external(format!(
        "could not open or update the pull request of {} (see above)",
        failed.join(", ")
    ))
    .hint("the others are recorded; fix it and re-run `git realm pr`: it never opens a PR twice"))
}

/// The pushes and gh commands `pr` would run, printed; nothing runs.
fn dry_run(s: &Session<'_>, list: &mut [RepoPr], opts: &PrOptions, ui: &Ui) -> Result<Exit> {
    let (pushes, commands) = prs::dry_run(s, list, opts);
    if ui.json {
        ui.json(&PrDryRun {
            realm: &s.realm,
            change: &s.change.id,
            dry_run: true,
            merge_order: list.iter().map(|p| p.repo.clone()).collect(),
            pushes,
            commands,
            prs: list,
        });
        return Ok(Exit::Success);
    }
    for push in &pushes {
        let what = if push.on_origin {
            format!(
                "{} commit{} ahead of origin",
                push.commits,
                if push.commits == 1 { "" } else { "s" }
            )
        } else {
            "not on origin".to_owned()
        };
        if push.push {
            ui.line(format!(
                "Would push {} of {} to origin first ({what})",
                s.change.branch, push.repo
            ));
        } else {
            ui.warn(format!(
                "{}: {} is {what}; not pushed (--no-push)",
                push.repo, s.change.branch
            ));
        }
    }
    ui.line(format!(
        "Dry run: the gh commands `git realm pr` would run for change '{}', in merge order:",
        s.change.id
    ));
    for c in &commands {
        let line: Vec<String> = c.argv.iter().map(|a| shell_quote(a)).collect();
        ui.line(format!("  # {}", c.repo));
        ui.line(format!("  {}", line.join(" ")));
        if ui.verbose {
            for l in c.body.lines() {
                ui.line(format!("  | {l}"));
            }
        }
    }
    for p in list.iter().filter(|p| p.slug.is_none()) {
        item(
            ui,
            2,
            Mark::Warn,
            format!("{}: not on GitHub, no pull request", p.repo),
        );
    }
    ui.line("(A PR not recorded in the change is first looked up with `gh pr list --head BRANCH`;");
    ui.line(" an existing PR's body keeps its text: only git-realm's marked block is replaced.)");
    ui.line("Dry run: nothing was run or written.");
    Ok(Exit::Success)
}

fn print_prs(ui: &Ui, prs: &[RepoPr], change: &ChangeFile) {
    ui.line(format!(
        "Coordinated pull requests for change '{}':",
        change.id
    ));
    let tag = |repo: &str| -> String {
        prs.iter()
            .find(|p| p.repo == repo)
            .and_then(|p| p.number)
            .map(|n| format!("{repo}#{n}"))
            .unwrap_or_else(|| repo.to_owned())
    };
    for p in prs {
        ui.line(format!("  {}:", p.repo));
        let number = p.number.map(|n| format!("#{n}")).unwrap_or_default();
        match p.outcome {
            PrOutcome::Created => item(
                ui,
                4,
                Mark::Ok,
                format!("PR {number}: {:?} (opened)", p.title),
            ),
            PrOutcome::Updated | PrOutcome::Adopted => item(
                ui,
                4,
                Mark::Ok,
                format!("PR {number}: {:?} (updated)", p.title),
            ),
            PrOutcome::Failed => item(ui, 4, Mark::Bad, p.error.as_deref().unwrap_or("failed")),
            _ if p.slug.is_none() => item(
                ui,
                4,
                Mark::Warn,
                "not on GitHub (no forge slug, url not on github.com): no pull request",
            ),
            _ => item(ui, 4, Mark::Ok, format!("PR {number}: unchanged")),
        }
        if p.slug.is_none() {
            continue;
        }
        if let Some(url) = &p.url {
            ui.line(format!("      {url}"));
        }
        ui.line(format!("      Base: {}", p.base));
        let links: Vec<String> = prs
            .iter()
            .filter(|o| o.repo != p.repo && o.number.is_some())
            .map(|o| tag(&o.repo))
            .collect();
        if !links.is_empty() {
            ui.line(format!("      Links to: {}", links.join(", ")));
        }
        if !p.blocked_by.is_empty() {
            let blockers: Vec<String> = p.blocked_by.iter().map(|b| tag(b)).collect();
            ui.line(format!(
                "      Blocked by: {} (merge {} first)",
                blockers.join(", "),
                p.blocked_by.join(", ")
            ));
        }
    }
    let chain: Vec<String> = prs
        .iter()
        .filter(|p| p.slug.is_some())
        .map(|p| tag(&p.repo))
        .collect();
    let failed = prs
        .iter()
        .filter(|p| p.outcome == PrOutcome::Failed)
        .count();
    if chain.is_empty() {
        ui.line("No pull request: no repository of the change is on a forge git-realm knows (its registered url names none)");
    } else if failed == 0 {
        ui.line(format!(
            "PRs are linked. Merge order: {}",
            chain.join(" → ")
        ));
    } else {
        ui.line(format!(
            "Merge order: {} ({failed} of {} pull requests not opened or updated)",
            chain.join(" → "),
            chain.len()
        ));
    }
}

// ---------------------------------------------------------------------------
// pr status
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::pr_status::merged_before;
    use clap::CommandFactory;

    #[test]
    fn status_is_a_subcommand_and_options_are_for_opening() {
        PrArgs::command().debug_assert();
        let a =
            PrArgs::try_parse_from(["git-realm-pr", "status", "--json", "--exit-code"]).unwrap();
        assert!(matches!(
            a.action,
            Some(PrAction::Status { exit_code: true })
        ));
        assert!(a.global.json);
        let a = PrArgs::try_parse_from(["git-realm-pr", "--draft", "--title", "t"]).unwrap();
        assert!(a.action.is_none() && a.draft);
        assert!(PrArgs::try_parse_from(["git-realm-pr", "--draft", "status"]).is_err());
    }

    #[test]
    fn merge_times_compare_as_times() {
        assert!(merged_before(
            "2026-01-24T10:00:00Z",
            "2026-01-24T11:00:00Z"
        ));
        assert!(!merged_before(
            "2026-01-24T12:00:00+00:00",
            "2026-01-24T11:00:00Z"
        ));
    }
}

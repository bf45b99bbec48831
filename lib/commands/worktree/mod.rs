//! `git realm worktree`: start a coordinated change — the same branch in a new
//! worktree of every participating repo — and list or remove those worktrees.
//!
//! The change is recorded in the realm first (`changes/<change>.yaml`), then the
//! worktrees are made, in parallel, with the `git` binary (gix cannot add
//! worktrees). Every step checks what is already there, so re-running the same
//! command after a failure completes what is missing and changes nothing else.

use std::path::Path;

use clap::{Parser, Subcommand};

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::model::Name;
use crate::ui::Ui;

mod finish;
mod list;
mod remove;
mod start;

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
        "Configuration (git config, any scope, or git -c):\n",
        "  realm.branchPrefix   what goes before CHANGE in the branch name (default feat/)\n",
        "  realm.worktreeDir    the directory of worktrees in each checkout (default .worktrees)\n",
        "  realm.jobs           how many repos are worked on at once (default 8)\n\n",
        "Examples:\n",
        "  git realm worktree training-metrics-v2                # the repos of this repo's domains\n",
        "  git realm worktree training-metrics-v2 --domain s3-access\n",
        "  git realm worktree fix-iam --repos aperture,fungal-image-analysis --base origin/main\n",
        "  git realm worktree training-metrics-v2 --clone        # clone the repos not checked out here\n",
        "  git realm worktree list\n",
        "  git realm worktree remove training-metrics-v2\n",
        "  git realm worktree finish training-metrics-v2          # merged: close it, remove worktrees and merged branches\n",
        "  git realm worktree finish spike --abandon\n\n",
        crate::exit_status!()
    ),
)]
pub struct WorktreeArgs {
    #[command(subcommand)]
    pub action: Option<WorktreeAction>,

    /// The change's name (lowercase letters, digits and '-'; not `list`, `remove` or `finish`)
    #[arg(value_name = "CHANGE", required = true)]
    pub change: Option<Name>,

    /// The participating repos: the members of this domain
    #[arg(long, value_name = "DOMAIN", conflicts_with = "repos")]
    pub domain: Option<Name>,

    /// The participating repos, comma-separated (default: the members of this repo's domains)
    #[arg(long, value_delimiter = ',', value_name = "REPO,...")]
    pub repos: Vec<Name>,

    /// The branch name in every repo (default: <realm.branchPrefix><change>, i.e. feat/<change>)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Where the new branch starts, in every repo (default: each checkout's HEAD)
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Clone participating repos that are not checked out here, next to this one
    #[arg(long)]
    pub clone: bool,

    /// Say what would be recorded, cloned and created in each repo, and create nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub jobs: crate::parallel::JobsArg,

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
        /// List what would be removed and what would block it, and remove nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// Finish a change: close it in the realm, remove its worktrees, delete its merged branches
    Finish {
        /// The change's name
        #[arg(value_name = "CHANGE")]
        change: Name,
        /// Close it as abandoned instead of merged
        #[arg(long)]
        abandon: bool,
        /// Remove the worktrees even with uncommitted or unpushed work
        #[arg(long)]
        force: bool,
        /// Print the realm commit it would make, and change nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
}

impl Command for WorktreeArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        match &self.action {
            Some(WorktreeAction::List) => list::run(&self.global, ui),
            Some(WorktreeAction::Remove {
                change,
                force,
                dry_run,
            }) => remove::run(&self.global, &self.jobs, change, *force, *dry_run, ui),
            Some(WorktreeAction::Finish {
                change,
                abandon,
                force,
                dry_run,
            }) => finish::run(
                &self.global,
                &self.jobs,
                change,
                *abandon,
                *force,
                *dry_run,
                ui,
            ),
            // `git realm worktree --json list`: global options before the subcommand
            // make clap read `list` as the change; with no other option it is `list`.
            None if self.change.as_ref().is_some_and(|c| c == "list")
                && self.domain.is_none()
                && self.repos.is_empty()
                && self.branch.is_none()
                && self.base.is_none()
                && !self.clone
                && !self.dry_run =>
            {
                list::run(&self.global, ui)
            }
            None => self.start(ui),
        }
    }
}

pub(super) fn same_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    a == b || canon(a) == canon(b)
}

//! `git realm commit`: one commit in every worktree of a change that has
//! something to commit, linked to each other.
//!
//! Each commit is made by `git commit`, so the user's hooks and signing apply. The
//! links are JSON lines in `refs/notes/realm` on every new commit (the change, its
//! domains, and `<repo>@<sha>` of every sibling), and the commits are recorded in
//! `changes/<change>.yaml`. Repos are committed one after the other: when one
//! fails (a pre-commit hook), the others stay committed, and the same command
//! completes the round — a repo whose HEAD already carries this round's note (same
//! change, same message) is linked, not committed again.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

use crate::changes::{self, Session};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git::{self, commits::CommitOptions};
use crate::model::{ChangeFile, CommitId, LinkedCommit, Name};
use crate::notes;
use crate::ops;
use crate::ui::Ui;
use crate::ui::{self, Mark, item};

/// Commit in every worktree of the current change, and link the commits
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-commit",
    bin_name = "git realm commit",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Run from inside any worktree of a change (see `git realm worktree`). Repos with\n",
        "nothing staged (with -a: no tracked file modified) are left alone. Each new\n",
        "commit gets a note in refs/notes/realm naming the change and every sibling\n",
        "commit (`git log --notes=realm` shows them).\n\n",
        "Examples:\n",
        "  git realm commit -m 'feat: add experiment metrics with IAM support'\n",
        "  git realm commit -a -m 'fix: typo in the bucket path'\n",
        "  git realm commit -m 'feat: grant the new path' --repos fungal-image-analysis\n\n",
        crate::exit_status!()
    ),
)]
pub struct CommitArgs {
    /// The commit message, for every repo
    #[arg(short, long, value_name = "MSG", required = true)]
    pub message: String,

    /// Also commit modified tracked files (like `git commit -a`)
    #[arg(short, long)]
    pub all: bool,

    /// Commit only in these repos of the change, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "REPO,...")]
    pub repos: Vec<Name>,

    /// The change (default: the one whose branch or worktree you are in)
    #[arg(long, value_name = "CHANGE")]
    pub change: Option<Name>,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// What happened, per repository (serialised in kebab-case for `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum CommitOutcome {
    Skipped,
    Failed,
    Committed,
    AlreadyCommitted,
    NothingToCommit,
}

/// What every repository's commit of one round needs to know (shared by the
/// threads that commit in parallel).
struct Round<'a> {
    branch: &'a str,
    change: &'a str,
    realm: &'a str,
}

#[derive(Debug, Clone, Serialize)]
struct RepoCommit {
    repo: String,
    worktree: Option<PathBuf>,
    /// committed | already-committed | nothing-to-commit | skipped | failed
    outcome: CommitOutcome,
    commit: Option<String>,
    files: Vec<String>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct CommitReport {
    realm: String,
    change: String,
    branch: String,
    message: String,
    repos: Vec<RepoCommit>,
    /// `<repo>@<sha>` of every commit of this round, as the notes link them.
    linked: Vec<String>,
    realm_commit: Option<String>,
}

/// The JSON line noted on each commit of a round.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct CommitNote {
    pub change: String,
    pub commits: Vec<String>,
    pub domains: Vec<String>,
    pub message: String,
    pub realm: String,
    pub repo: String,
}

impl Command for CommitArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        if self.message.trim().is_empty() {
            return Err(Error::usage("-m: the commit message is empty"));
        }
        let repo = git::open_current()?;
        let s = Session::open(&repo, self.global.realm.as_ref(), self.change.as_ref())?;
        let repos = changes::select_repos(&s.change, &self.repos)?;

        // Every repo at once (each `git commit` runs its own hooks in its own
        // repository); the results stay in name order, so the message after a
        // failure still says exactly what happened where.
        let round_of = Round {
            branch: &s.change.branch,
            change: s.change.id.as_str(),
            realm: s.realm.as_str(),
        };
        let jobs: Vec<(Name, std::result::Result<PathBuf, String>)> =
            repos.iter().map(|r| (r.clone(), s.worktree(r))).collect();
        let results =
            crate::parallel::parallel(&jobs, |(r, dir)| self.commit_one(&round_of, r, dir));
        let round: Vec<(String, String, PathBuf)> = results
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    CommitOutcome::Committed | CommitOutcome::AlreadyCommitted
                )
            })
            .filter_map(|r| Some((r.repo.clone(), r.commit.clone()?, r.worktree.clone()?)))
            .collect();
        let failed: Vec<&RepoCommit> = results
            .iter()
            .filter(|r| r.outcome == CommitOutcome::Failed)
            .collect();
        if round.is_empty() && failed.is_empty() {
            return Err(Error::usage(format!(
                "nothing to commit in the worktrees of change '{}'{}",
                s.change.id,
                if self.all { "" } else { " (nothing staged)" }
            ))
            .hint("stage with `git add` in the worktrees, or pass -a to commit modified tracked files"));
        }

        // Link every commit of the round to all the others.
        let linked: Vec<String> = {
            let mut l: Vec<String> = round.iter().map(|(r, c, _)| format!("{r}@{c}")).collect();
            l.sort();
            l
        };
        let domains: Vec<String> = s.change.domains.iter().map(ToString::to_string).collect();
        let noted = crate::parallel::parallel(&round, |(r, c, dir)| -> Result<()> {
            let note = CommitNote {
                change: s.change.id.to_string(),
                commits: linked.clone(),
                domains: domains.clone(),
                message: self.message.clone(),
                realm: s.realm.to_string(),
                repo: r.clone(),
            };
            let line = serde_json::to_string(&note).expect("a note always serialises");
            let target = git::open_at(dir)?;
            let id = gix::ObjectId::from_hex(c.as_bytes())
                .map_err(|e| Error::external(format!("git printed an invalid commit id: {e}")))?;
            notes::append(&target, id, &[line]).map(|_| ())
        });
        noted.into_iter().collect::<Result<Vec<()>>>()?;

        // Record the commits in the change (re-applied if the realm moves meanwhile).
        let mut record: Vec<LinkedCommit> = Vec::new();
        for (r, c, _) in &round {
            record.push(LinkedCommit {
                repo: r.parse().map_err(Error::usage)?,
                commit: c.parse::<CommitId>().map_err(Error::usage)?,
            });
        }
        let updated = if record.is_empty() {
            None
        } else {
            Some(s.store.update(&mut ops::RecordCommits {
                actor: s.me.clone(),
                change: s.change.id.clone(),
                commits: record,
            })?)
        };

        let report = CommitReport {
            realm: s.realm.to_string(),
            change: s.change.id.to_string(),
            branch: s.change.branch.clone(),
            message: self.message.clone(),
            repos: results.clone(),
            linked,
            realm_commit: updated.and_then(|u| u.commit).map(|c| c.to_string()),
        };
        if ui.json {
            ui.json(&report);
        } else {
            print_report(ui, &report, &s.change);
        }
        if failed.is_empty() {
            return Ok(Exit::Success);
        }
        if ui.json {
            return Ok(Exit::External);
        }
        let names: Vec<&str> = failed.iter().map(|r| r.repo.as_str()).collect();
        let mut err = Error::external(format!(
            "commit failed in {} (see above); {}",
            names.join(", "),
            if round.is_empty() {
                "nothing was committed".to_owned()
            } else {
                format!(
                    "the commits in {} are kept",
                    round
                        .iter()
                        .map(|(r, _, _)| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
        for f in &failed {
            err = err.hint(format!(
                "{}: {}",
                f.repo,
                f.error.as_deref().unwrap_or("failed")
            ));
        }
        Err(err.hint(format!(
            "fix it, then re-run `{}`: repos already committed are linked, not committed again",
            self.rerun()
        )))
    }
}

impl CommitArgs {
    /// The command line that completes this round.
    fn rerun(&self) -> String {
        let mut cmd = String::from("git realm commit");
        if self.all {
            cmd.push_str(" -a");
        }
        cmd.push_str(" -m ");
        cmd.push_str(&ui::shell_quote(&self.message));
        if !self.repos.is_empty() {
            cmd.push_str(" --repos ");
            cmd.push_str(&changes::join(&self.repos).replace(", ", ","));
        }
        if let Some(c) = &self.change {
            cmd.push_str(&format!(" --change {c}"));
        }
        if let Some(r) = &self.global.realm {
            cmd.push_str(&format!(" --realm {r}"));
        }
        cmd
    }

    fn commit_one(
        &self,
        s: &Round<'_>,
        repo: &Name,
        dir: &std::result::Result<PathBuf, String>,
    ) -> RepoCommit {
        let mut out = RepoCommit {
            repo: repo.to_string(),
            worktree: None,
            outcome: CommitOutcome::Skipped,
            commit: None,
            files: Vec::new(),
            error: None,
        };
        let dir = match dir {
            Ok(d) => d.clone(),
            Err(why) => {
                out.error = Some(why.clone());
                return out;
            }
        };
        out.worktree = Some(dir.clone());
        match self.try_commit(s, &dir, &mut out) {
            Ok(()) => out,
            Err(e) => {
                out.outcome = CommitOutcome::Failed;
                out.error = Some(e.message);
                out
            }
        }
    }

    fn try_commit(&self, s: &Round<'_>, dir: &std::path::Path, out: &mut RepoCommit) -> Result<()> {
        match git::refs::current_branch(dir)? {
            Some(b) if b == s.branch => {}
            other => {
                out.outcome = CommitOutcome::Skipped;
                out.error = Some(format!(
                    "{} is on {}, not on the change's branch {}",
                    dir.display(),
                    other.map_or_else(|| "a detached HEAD".to_owned(), |b| format!("branch {b}")),
                    s.branch
                ));
                return Ok(());
            }
        }
        if git::commits::has_changes(dir, self.all)? {
            git::commits::commit(
                dir,
                &CommitOptions {
                    message: &self.message,
                    all: self.all,
                },
            )?;
            out.outcome = CommitOutcome::Committed;
        } else if self.noted_this_round(s, dir)? {
            out.outcome = CommitOutcome::AlreadyCommitted;
        } else {
            out.outcome = CommitOutcome::NothingToCommit;
            return Ok(());
        }
        out.commit = Some(git::commits::head(dir)?.to_string());
        out.files = git::commits::changed_files(dir, "HEAD")?;
        Ok(())
    }

    /// Whether HEAD at `dir` was committed by this round already (an earlier run
    /// that stopped at another repo): it carries a note of this change and message.
    fn noted_this_round(&self, s: &Round<'_>, dir: &std::path::Path) -> Result<bool> {
        let repo = git::open_at(dir)?;
        let Ok(head) = repo.head_id() else {
            return Ok(false);
        };
        Ok(notes::read(&repo, head.detach())?.iter().any(|line| {
            serde_json::from_str::<CommitNote>(line).is_ok_and(|n| {
                n.change == s.change && n.realm == s.realm && n.message == self.message
            })
        }))
    }
}

fn print_report(ui: &Ui, r: &CommitReport, change: &ChangeFile) {
    let domains = if change.domains.is_empty() {
        String::new()
    } else {
        format!(
            " in domain{} '{}'",
            if change.domains.len() == 1 { "" } else { "s" },
            changes::join(&change.domains)
        )
    };
    ui.line(format!(
        "Coordinated commit for change '{}'{domains}:",
        r.change
    ));
    for c in &r.repos {
        ui.line(format!("  {}:", c.repo));
        let short = c
            .commit
            .as_deref()
            .map(|s| &s[..7.min(s.len())])
            .unwrap_or("");
        match c.outcome {
            CommitOutcome::Committed => item(ui, 4, Mark::Ok, format!("Committed: {short}")),
            CommitOutcome::AlreadyCommitted => item(
                ui,
                4,
                Mark::Ok,
                format!("Already committed by this round: {short}"),
            ),
            CommitOutcome::NothingToCommit => ui.line("    nothing to commit"),
            CommitOutcome::Skipped => item(
                ui,
                4,
                Mark::Warn,
                format!("skipped: {}", c.error.as_deref().unwrap_or("no worktree")),
            ),
            _ => item(
                ui,
                4,
                Mark::Bad,
                format!("failed: {}", c.error.as_deref().unwrap_or("unknown error")),
            ),
        }
        if c.outcome == CommitOutcome::Committed && !c.files.is_empty() {
            ui.line(format!("    Files: {}", c.files.join(", ")));
        }
    }
    if r.linked.len() > 1 {
        ui.ok(format!(
            "Commits linked in refs/notes/realm: {}",
            r.linked.join(", ")
        ));
    }
    match &r.realm_commit {
        Some(c) => ui.line(format!(
            "Recorded in changes/{}.yaml (realm commit {}).",
            r.change,
            &c[..7]
        )),
        None => ui.line(format!(
            "changes/{}.yaml already records these commits.",
            r.change
        )),
    }
    if r.repos.iter().all(|c| c.outcome != CommitOutcome::Failed) {
        ui.line("Next: `git realm push`, then `git realm pr`.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_rerun_line_is_the_same_command() {
        CommitArgs::command().debug_assert();
        let a = CommitArgs::try_parse_from([
            "git-realm-commit",
            "-a",
            "-m",
            "feat: it's here",
            "--repos",
            "b,a",
        ])
        .unwrap();
        assert_eq!(
            a.rerun(),
            r#"git realm commit -a -m 'feat: it'\''s here' --repos b,a"#
        );
    }
}

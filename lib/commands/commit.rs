//! `git realm commit`: one commit in every worktree of a change that has
//! something to commit, linked to each other.
//!
//! The links are JSON lines in `refs/notes/realm` on every new commit (the change,
//! its domains, and `<repo>@<sha>` of every sibling), and the commits are recorded
//! in `changes/<change>.yaml`. The repos are committed at once (`-j`), each by
//! `git commit` (see `changes::round`): when one fails (a pre-commit hook, a lock
//! file left by a killed git), the others stay committed, and the same command
//! completes the round.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

use crate::changes::round::{self, CommitNote, CommitOutcome, Journal, RepoCommit, Round};
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
        "  git realm commit -m 'feat: grant the new path' --repos fungal-image-analysis\n",
        "  git realm commit -a              # writes the message in your editor, once for all repos\n",
        "  git realm commit -F msg.txt -s -S\n",
        "  git realm commit --amend -a --no-edit\n\n",
        "Without -m or -F, git's editor (`git var GIT_EDITOR`) opens once and the message\n",
        "goes to every repo. --amend replaces the tip commit in the repos whose tip is a\n",
        "commit of this change (and leaves the others alone); --no-verify, -s and -S are\n",
        "passed to `git commit`.\n\n",
        crate::exit_status!()
    ),
)]
pub struct CommitArgs {
    /// The commit message, for every repo (repeat for more paragraphs; without -m
    /// or -F the editor opens)
    #[arg(short, long, value_name = "MSG")]
    pub message: Vec<String>,

    /// Take the message from FILE (`-` for standard input)
    #[arg(short = 'F', long, value_name = "FILE", conflicts_with = "message", value_hint = clap::ValueHint::FilePath)]
    pub file: Option<PathBuf>,

    /// With --amend: keep each commit's message instead of asking for one
    #[arg(long, requires = "amend", conflicts_with_all = ["message", "file"])]
    pub no_edit: bool,

    /// Replace the tip commit of each repo whose tip belongs to this change
    #[arg(long)]
    pub amend: bool,

    /// Skip the pre-commit and commit-msg hooks (`git commit --no-verify`; -n is
    /// --dry-run here, as in every git-realm command that writes)
    #[arg(long)]
    pub no_verify: bool,

    /// List what each repo would commit, and commit nothing (no hooks run, no
    /// editor opens, no note or realm record is written)
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Add a Signed-off-by trailer (`git commit --signoff`)
    #[arg(short, long)]
    pub signoff: bool,

    /// GPG-sign the commits (`git commit --gpg-sign[=KEYID]`)
    #[arg(short = 'S', long, value_name = "KEYID", num_args = 0..=1, default_missing_value = "")]
    pub gpg_sign: Option<String>,

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
    pub jobs: crate::parallel::JobsArg,

    #[command(flatten)]
    pub global: GlobalArgs,

    /// The message every repo gets, once decided (from -m, -F or the editor).
    #[arg(skip)]
    text: String,
}

#[derive(Debug, Serialize)]
struct CommitReport {
    realm: String,
    change: String,
    branch: String,
    message: String,
    /// The round's id, in every note and in the change's record.
    round: String,
    repos: Vec<RepoCommit>,
    /// `<repo>@<sha>` of every commit of this round, as the notes link them.
    linked: Vec<String>,
    realm_commit: Option<String>,
}

impl Command for CommitArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(mut self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let s = Session::open(&repo, self.global.realm.as_ref(), self.change.as_ref())?;
        let repos = changes::select_repos(&s.change, &self.repos)?;
        if self.dry_run {
            return self.dry_run(&repo, &s, &repos, ui);
        }
        self.text = self.decide_message(&repo, &s, &repos)?;

        // The round: the interrupted one with this message, else a new one.
        let journal_path = Journal::path(&repo, &s.realm, &s.change.id);
        let mut journal = Journal::open(&journal_path, &self.text);
        let limit = self.jobs.limit(&repo)?;
        let jobs: Vec<(Name, std::result::Result<PathBuf, String>)> =
            repos.iter().map(|r| (r.clone(), s.worktree(r))).collect();
        let unjournaled: Vec<&(Name, std::result::Result<PathBuf, String>)> = jobs
            .iter()
            .filter(|(r, _)| !journal.before.contains_key(r.as_str()))
            .collect();
        let heads = crate::parallel::parallel(&unjournaled, limit, |(_, dir)| {
            dir.as_ref().ok().and_then(|d| git::commits::head(d).ok())
        });
        for ((r, _), head) in unjournaled.iter().zip(heads) {
            if let Some(head) = head {
                journal.before.insert(r.to_string(), head.to_string());
            }
        }
        journal.save(&journal_path)?;

        // Every repo at once (each `git commit` runs its own hooks in its own
        // repository); the results stay in name order, so the message after a
        // failure still says exactly what happened where.
        let round_of = Round {
            branch: &s.change.branch,
            change: s.change.id.as_str(),
            realm: s.realm.as_str(),
        };
        let options = CommitOptions {
            message: &self.text,
            all: self.all,
            amend: self.amend,
            no_verify: self.no_verify,
            signoff: self.signoff,
            gpg_sign: self.gpg_sign.as_deref(),
            no_edit: self.no_edit,
        };
        // The realm is fetched while the repos commit: the round's record then
        // starts from it (a fetch that fails is tried again there, and says why).
        let (results, fetched) = std::thread::scope(|scope| {
            let results = scope.spawn(|| {
                crate::parallel::parallel(&jobs, limit, |(r, dir)| {
                    round::commit_one(&options, &round_of, r, dir, &journal)
                })
            });
            let fetched = s
                .store
                .fetch()
                .inspect_err(|e| {
                    crate::ui::verbose(&format!(
                        "fetching the realm: {}; fetched again to record the round",
                        e.message
                    ))
                })
                .is_ok();
            let results = results.join().expect("the commit threads do not panic");
            (results, fetched)
        });
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
            // No round happened: its journal would make a later plain `git
            // commit` with the same subject look like this round's work.
            let _ = std::fs::remove_file(&journal_path);
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
        let (change, realm) = (s.change.id.to_string(), s.realm.to_string());
        let note_round = |(r, c, dir): &(String, String, PathBuf)| -> Result<()> {
            let note = CommitNote {
                change: change.clone(),
                commits: linked.clone(),
                domains: domains.clone(),
                message: self.text.clone(),
                realm: realm.clone(),
                repo: r.clone(),
                round: Some(journal.round.clone()),
            };
            let line = serde_json::to_string(&note).expect("a note always serialises");
            let target = git::open_at(dir)?;
            let id = gix::ObjectId::from_hex(c.as_bytes())
                .map_err(|e| Error::external(format!("git printed an invalid commit id: {e}")))?;
            notes::append(&target, id, &[line]).map(|_| ())
        };

        // Record the commits in the change (re-applied if the realm moves
        // meanwhile), while the notes are written: neither needs the other, and
        // the record is mostly waiting on a fetch and a push. Recording twice
        // adds nothing, so a re-run after a failure of either finishes the job.
        let mut record: Vec<LinkedCommit> = Vec::new();
        for (r, c, _) in &round {
            record.push(LinkedCommit {
                repo: r.parse().map_err(Error::usage)?,
                commit: c.parse::<CommitId>().map_err(Error::usage)?,
                round: Some(journal.round.clone()),
            });
        }
        let (noted, updated) = std::thread::scope(|scope| {
            let noted = scope.spawn(|| crate::parallel::parallel(&round, limit, note_round));
            let updated = match record.is_empty() {
                true => Ok(None),
                false => {
                    let mut op = ops::RecordCommits {
                        actor: s.me.clone(),
                        change: s.change.id.clone(),
                        commits: record,
                    };
                    match fetched {
                        true => s.store.update_fetched(&mut op),
                        false => s.store.update(&mut op),
                    }
                    .map(Some)
                }
            };
            (
                noted.join().expect("the notes thread does not panic"),
                updated,
            )
        });
        noted.into_iter().collect::<Result<Vec<()>>>()?;
        let updated = updated?;

        if failed.is_empty() {
            // The round is complete: the next one gets a new id.
            let _ = std::fs::remove_file(&journal_path);
        }

        let report = CommitReport {
            round: journal.round.clone(),
            realm: s.realm.to_string(),
            change: s.change.id.to_string(),
            branch: s.change.branch.clone(),
            message: self.text.clone(),
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
    /// `--dry-run`: what each repo would commit (its staged files, or with -a its
    /// modified tracked files); nothing is run or written.
    fn dry_run(
        &mut self,
        repo: &gix::Repository,
        s: &Session<'_>,
        repos: &[Name],
        ui: &Ui,
    ) -> Result<Exit> {
        // The message as given; the editor is not opened for a dry run.
        let from_editor = self.message.is_empty() && self.file.is_none() && !self.no_edit;
        if !from_editor {
            self.text = self.decide_message(repo, s, repos)?;
        }
        let round = Round {
            branch: &s.change.branch,
            change: s.change.id.as_str(),
            realm: s.realm.as_str(),
        };
        let mut results = Vec::new();
        for r in repos {
            let mut out = RepoCommit {
                repo: r.to_string(),
                worktree: None,
                outcome: CommitOutcome::Skipped,
                commit: None,
                files: Vec::new(),
                error: None,
            };
            match s.worktree(r) {
                Err(why) => out.error = Some(why),
                Ok(dir) => {
                    if let Err(e) = self.plan_commit(&round, &dir, &mut out) {
                        out.outcome = CommitOutcome::Failed;
                        out.error = Some(e.message);
                    }
                    out.worktree = Some(dir);
                }
            }
            results.push(out);
        }
        let message = if from_editor {
            None
        } else {
            Some(self.text.clone())
        };
        if ui.json {
            ui.json(&serde_json::json!({
                "dry_run": true,
                "realm": s.realm,
                "change": s.change.id,
                "branch": s.change.branch,
                "message": message,
                "repos": results,
            }));
            return Ok(Exit::Success);
        }
        ui.line(format!(
            "Dry run: nothing was committed. For change '{}', `git realm commit` would:",
            s.change.id
        ));
        let verb = if self.amend { "amend" } else { "commit" };
        let mut would = 0;
        for c in &results {
            match c.outcome {
                CommitOutcome::Committed => {
                    would += 1;
                    item(
                        ui,
                        2,
                        Mark::Ok,
                        format!("{}: {verb} {}", c.repo, c.files.join(", ")),
                    );
                }
                CommitOutcome::NothingToCommit => ui.line(format!(
                    "    {}: nothing to commit{}",
                    c.repo,
                    if self.all { "" } else { " (nothing staged)" }
                )),
                CommitOutcome::Skipped => item(
                    ui,
                    2,
                    Mark::Warn,
                    format!(
                        "{}: skipped: {}",
                        c.repo,
                        c.error.as_deref().unwrap_or("no worktree")
                    ),
                ),
                _ => item(
                    ui,
                    2,
                    Mark::Bad,
                    format!("{}: {}", c.repo, c.error.as_deref().unwrap_or("failed")),
                ),
            }
        }
        match &message {
            Some(m) => ui.line(format!(
                "  with the message: {}",
                m.lines().next().unwrap_or("")
            )),
            None => ui.line("  with the message you would write in the editor"),
        }
        if would > 0 {
            ui.line(format!(
                "then link the {would} commit(s) in refs/notes/realm and record them in changes/{}.yaml",
                s.change.id
            ));
        }
        Ok(Exit::Success)
    }

    /// What [`Self::try_commit`] would do in `dir`, into `out`, without doing it.
    fn plan_commit(
        &self,
        s: &Round<'_>,
        dir: &std::path::Path,
        out: &mut RepoCommit,
    ) -> Result<()> {
        match git::refs::current_branch(dir)? {
            Some(b) if b == s.branch => {}
            other => {
                out.error = Some(format!(
                    "{} is on {}, not on the change's branch {}",
                    dir.display(),
                    other.map_or_else(|| "a detached HEAD".to_owned(), |b| format!("branch {b}")),
                    s.branch
                ));
                return Ok(());
            }
        }
        if self.amend && !round::head_in_change(s, dir)? {
            out.error = Some(format!(
                "the tip of {} is not a commit of change '{}': nothing to amend",
                s.branch, s.change
            ));
            return Ok(());
        }
        out.files = git::commits::pending_files(dir, self.all)?;
        out.outcome = if out.files.is_empty() && !self.amend {
            CommitOutcome::NothingToCommit
        } else {
            round::refuse_locked(s, dir)?;
            CommitOutcome::Committed
        };
        Ok(())
    }

    /// The command line that completes this round.
    fn rerun(&self) -> String {
        let mut cmd = String::from("git realm commit");
        if self.all {
            cmd.push_str(" -a");
        }
        if self.amend {
            cmd.push_str(" --amend");
        }
        if self.no_verify {
            cmd.push_str(" --no-verify");
        }
        if self.signoff {
            cmd.push_str(" --signoff");
        }
        match self.gpg_sign.as_deref() {
            Some("") => cmd.push_str(" --gpg-sign"),
            Some(key) => cmd.push_str(&format!(" --gpg-sign={}", ui::shell_quote(key))),
            None => {}
        }
        if self.no_edit {
            cmd.push_str(" --no-edit");
        } else {
            cmd.push_str(" -m ");
            cmd.push_str(&ui::shell_quote(&self.text));
        }
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

    /// The one message of this round: `-m` paragraphs, the `-F` file, or what the
    /// user writes in the editor (seeded, with --amend, by the current message).
    fn decide_message(
        &self,
        repo: &gix::Repository,
        s: &Session<'_>,
        repos: &[Name],
    ) -> Result<String> {
        let text = if !self.message.is_empty() {
            self.message.join("\n\n")
        } else if let Some(file) = &self.file {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| Error::usage(format!("-F -: cannot read standard input: {e}")))?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| Error::usage(format!("-F {}: {e}", file.display())))?
            };
            // As `git commit -F`: the file is the message, cleaned up by each
            // repository's git (`commit.cleanup`), comment-like lines and all.
            text
        } else if self.no_edit {
            return Ok(String::new());
        } else {
            let current = if self.amend {
                git::commits::head_message(repo).unwrap_or_default()
            } else {
                String::new()
            };
            let about = format!(
                "The commit message for change '{}', in {}.",
                s.change.id,
                changes::join(repos)
            );
            git::commits::edit_message(repo, &current, &[about])?
        };
        if text.trim().is_empty() {
            return Err(Error::usage("the commit message is empty"));
        }
        Ok(text)
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
        let mut a = CommitArgs::try_parse_from([
            "git-realm-commit",
            "-a",
            "-m",
            "feat: it's here",
            "--repos",
            "b,a",
            "-s",
            "-SKEY",
            "--no-verify",
        ])
        .unwrap();
        // The message as decided (from -m here; from -F or the editor otherwise).
        a.text = a.message.join("\n\n");
        assert_eq!(
            a.rerun(),
            r#"git realm commit -a --no-verify --signoff --gpg-sign=KEY -m 'feat: it'\''s here' --repos b,a"#
        );
    }
}

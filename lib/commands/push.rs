//! `git realm push`: publish a change's branch and the realm notes of every
//! participating repo, in parallel (`crate::changes::publish` does the pushing).

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

use crate::changes::publish::{self, REMOTE};
use crate::changes::{self, Session};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::model::Name;
use crate::parallel;
use crate::ui::Ui;
use crate::ui::{Mark, item};

/// Push the change's branch and refs/notes/realm in every participating repo
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-push",
    bin_name = "git realm push",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Pushes the change's branch to origin (setting it as upstream) and\n",
        "refs/notes/realm, merging notes written on other machines first (the\n",
        "union of their lines, like `git notes merge -s cat_sort_uniq`).\n\n",
        "Examples:\n",
        "  git realm push\n",
        "  git realm push --repos fungal-image-analysis\n",
        "  git realm push --force-with-lease     # after a rebase of the change's branch\n\n",
        crate::exit_status!()
    ),
)]
pub struct PushArgs {
    /// Push only these repos of the change, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "REPO,...")]
    pub repos: Vec<Name>,

    /// Overwrite the remote branch if it is where we last saw it (after a rebase)
    #[arg(long)]
    pub force_with_lease: bool,

    /// Print what each repo would push (from the remote-tracking refs); push nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// The change (default: the one whose branch or worktree you are in)
    #[arg(long, value_name = "CHANGE")]
    pub change: Option<Name>,

    #[command(flatten)]
    pub jobs: crate::parallel::JobsArg,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Clone, Serialize)]
struct Pushed {
    repo: String,
    path: Option<PathBuf>,
    /// pushed | failed
    branch: &'static str,
    /// none | up-to-date | pushed | merged | failed
    notes: &'static str,
    error: Option<String>,
    /// What the error means for the exit code (a branch that is not there is
    /// the user's to make, not a failure of git).
    #[serde(skip)]
    exit: Exit,
}

/// `push --json`.
#[derive(Serialize)]
struct PushReport<'a> {
    realm: &'a Name,
    change: &'a Name,
    branch: &'a str,
    remote: &'a str,
    repos: &'a [Pushed],
}

impl Command for PushArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let s = Session::open(&repo, self.global.realm.as_ref(), self.change.as_ref())?;
        let repos = changes::select_repos(&s.change, &self.repos)?;
        let jobs: Vec<(Name, std::result::Result<PathBuf, String>)> = repos
            .iter()
            .map(|r| {
                let dir = s
                    .checkouts
                    .get(r)
                    .ok_or_else(|| s.checkouts.missing_reason(r));
                (r.clone(), dir)
            })
            .collect();
        let branch = s.change.branch.clone();
        if self.dry_run {
            return dry_run(ui, &s, &jobs, &branch);
        }
        let force = self.force_with_lease;
        let limit = self.jobs.limit(&repo)?;
        let results = parallel::parallel(&jobs, limit, |(r, dir)| {
            let mut out = Pushed {
                repo: r.to_string(),
                path: dir.as_ref().ok().cloned(),
                branch: "failed",
                notes: "failed",
                error: None,
                exit: Exit::Success,
            };
            let dir = match dir {
                Ok(d) => d,
                Err(why) => {
                    out.error = Some(why.clone());
                    out.exit = Exit::Usage;
                    return out;
                }
            };
            // One `git push` carries the branch and the notes.
            let pushed = publish::push(dir, &branch, force);
            match pushed.notes {
                Ok(n) => out.notes = n,
                Err(e) => {
                    out.error = Some(format!("notes: {}", e.message));
                    out.exit = out.exit.worst(e.exit);
                }
            }
            match pushed.branch {
                Ok(()) => out.branch = "pushed",
                Err(e) => {
                    out.error = Some(e.message);
                    out.exit = out.exit.worst(e.exit);
                }
            }
            out
        });

        let failed: Vec<&Pushed> = results.iter().filter(|p| p.error.is_some()).collect();
        if ui.json {
            ui.json(&PushReport {
                realm: &s.realm,
                change: &s.change.id,
                branch: &branch,
                remote: REMOTE,
                repos: &results,
            });
        } else {
            ui.line(format!(
                "Pushing coordinated branches of change '{}':",
                s.change.id
            ));
            for p in &results {
                match &p.error {
                    None => item(
                        ui,
                        2,
                        Mark::Ok,
                        format!("{}: {branch} → {REMOTE}{}", p.repo, notes_text(p.notes)),
                    ),
                    Some(e) => item(ui, 2, Mark::Bad, format!("{}: {e}", p.repo)),
                }
            }
            if failed.is_empty() {
                ui.line("Ready for coordinated PRs. Run `git realm pr` to open them.");
            }
        }
        if failed.is_empty() {
            return Ok(Exit::Success);
        }
        // The worst of what went wrong where: exit 4 only when git failed.
        let exit = failed
            .iter()
            .fold(Exit::Usage, |worst, p| worst.worst(p.exit));
        if ui.json {
            return Ok(exit);
        }
        let names: Vec<&str> = failed.iter().map(|p| p.repo.as_str()).collect();
        let mut err = Error::new(
            exit,
            format!(
                "push failed in {}{}",
                names.join(", "),
                if ui.quiet { "" } else { " (see above)" }
            ),
        );
        if ui.quiet {
            // Nothing above under -q: the reasons go with the error.
            for p in &failed {
                err = err.hint(format!(
                    "{}: {}",
                    p.repo,
                    p.error.as_deref().unwrap_or("failed")
                ));
            }
        }
        Err(err.hint("fix it and re-run `git realm push`: what was pushed stays pushed"))
    }
}

/// `push --dry-run`: per repo, how far its branch is ahead of origin (as last
/// fetched), and that refs/notes/realm would be merged and pushed with it.
fn dry_run(
    ui: &Ui,
    s: &Session<'_>,
    jobs: &[(Name, std::result::Result<PathBuf, String>)],
    branch: &str,
) -> Result<Exit> {
    let mut repos = Vec::new();
    ui.line(format!(
        "Dry run: what `git realm push` would push for change '{}' (nothing was pushed):",
        s.change.id
    ));
    for (r, dir) in jobs {
        let ahead = match dir {
            Ok(d) => changes::publish::ahead(d, branch)?,
            Err(_) => None,
        };
        let what = match (&ahead, dir) {
            (_, Err(why)) => why.clone(),
            (None, Ok(d)) => format!("{} has no branch {branch}", d.display()),
            (Some(a), _) if !a.on_origin => format!(
                "would push {branch} to {REMOTE} (new there; {} commit(s) no remote has), and refs/notes/realm",
                a.commits
            ),
            (Some(a), _) if a.commits > 0 => format!(
                "would push {branch} to {REMOTE} ({} commit(s) ahead), and refs/notes/realm",
                a.commits
            ),
            (Some(_), _) => format!(
                "{branch} is up to date with {REMOTE}; would push refs/notes/realm if it moved"
            ),
        };
        ui.line(format!("  {r}: {what}"));
        repos.push(serde_json::json!({
            "repo": r,
            "commits": ahead.map(|a| a.commits),
            "on_origin": ahead.map(|a| a.on_origin),
            "push": ahead.is_some_and(|a| a.needs_push()),
            "error": dir.as_ref().err(),
        }));
    }
    if ui.json {
        ui.json(&serde_json::json!({
            "realm": s.realm, "change": s.change.id, "branch": branch,
            "remote": REMOTE, "dry_run": true, "repos": repos,
        }));
    }
    Ok(Exit::Success)
}

fn notes_text(notes: &str) -> &'static str {
    match notes {
        "pushed" => " (notes pushed)",
        "merged" => " (notes merged with origin's and pushed)",
        "up-to-date" => " (notes up to date)",
        _ => "",
    }
}

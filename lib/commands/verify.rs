//! `git realm verify`: check the realm's files and history against its trust level
//! (see `crate::trust`). Three places run it: a member (`--fetch`, and every fetch
//! of every command verifies what it brings), the realm's server
//! (`--pre-receive`, installed by `git realm init --bare --hooks`), and GitHub (the
//! workflow `git realm init --github` writes).

use std::io::BufRead;

use clap::Parser;
use gix::ObjectId;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership;
use crate::model::Trust;
use crate::store::{REALM_BRANCH, Store, history};
use crate::trust::{self, Violation};
use crate::ui::{self, Ui};

/// Check the realm's files and commits against its trust level
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-verify",
    bin_name = "git realm verify",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Checks every file of the realm state (schema, names, versions, sizes, format)\n",
        "and every commit of the range against the realm's trust level (realm.yaml\n",
        "`trust`): open, owners (each commit authored by a maintainer of every file\n",
        "it changes) or signed (and signed by a key recorded for that maintainer).\n",
        "Exit 0 clean, 1 violations (each naming commit, author, file and rule),\n",
        "2 malformed files.\n\n",
        "Examples:\n",
        "  git realm verify                   # in a member: the local copy, all of its history\n",
        "  git realm verify --fetch           # what the realm holds now\n",
        "  git realm verify abc123..main      # in the realm repository: a range\n",
        "  git realm verify --pre-receive     # as the realm server's pre-receive hook\n\n",
        crate::exit_status!()
    ),
)]
pub struct VerifyArgs {
    /// A range OLD..NEW (commits or refs) instead of the whole history
    #[arg(value_name = "RANGE", conflicts_with = "all")]
    pub range: Option<String>,

    /// The whole history (the default)
    #[arg(long)]
    pub all: bool,

    /// Fetch the realm first, and verify what it holds (even if it is refused)
    #[arg(long)]
    pub fetch: bool,

    /// Act as git's pre-receive hook: read `OLD NEW REF` lines on stdin
    #[arg(long, conflicts_with_all = ["range", "fetch"])]
    pub pre_receive: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
struct Report {
    realm: String,
    trust: String,
    tip: Option<String>,
    commits: usize,
    violations: Vec<Violation>,
    malformed: Vec<Malformed>,
}

#[derive(Serialize)]
struct Malformed {
    file: String,
    error: String,
}

impl Command for VerifyArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        if self.pre_receive {
            // During pre-receive the pushed objects wait in a quarantine directory
            // that only git's environment points at, and gix does not read it: look
            // through a scratch repository whose alternates name both.
            return match quarantine_view(&repo)? {
                Some(view) => pre_receive(&view.repo),
                None => pre_receive(&repo),
            };
        }
        let memberships = membership::selected(&repo, self.global.realm.as_ref())?;
        let mut reports = Vec::new();
        if memberships.is_empty() {
            // The realm repository itself.
            let tip = git::ref_target(&repo, REALM_BRANCH)?;
            reports.push(self.report(&repo, REALM_BRANCH, tip)?);
        } else {
            for m in &memberships {
                let store = Store::member(&repo, m.realm.as_str(), &m.url);
                let mut reference = store.local_ref();
                if self.fetch
                    && let Err(e) = store.fetch()
                {
                    // Refused by the trust rules (which leave why); anything
                    // else (offline, a lock left behind) is the error itself.
                    if e.exit != Exit::Conflict || store.refused().is_none() {
                        return Err(e);
                    }
                    // Refused: show what the realm holds, not the local copy.
                    reference = reference.replace("/main", "/incoming");
                }
                let tip = git::ref_target(&repo, &reference)?;
                reports.push(self.report(&repo, &reference, tip)?);
            }
        }
        let malformed = reports.iter().any(|r| !r.malformed.is_empty());
        let violated = reports.iter().any(|r| !r.violations.is_empty());
        if ui.json {
            if reports.len() == 1 {
                ui.json(&reports[0]);
            } else {
                ui.json(&reports);
            }
        } else {
            for r in &reports {
                print(ui, r);
            }
        }
        Ok(if malformed {
            Exit::Usage
        } else if violated {
            Exit::Attention
        } else {
            Exit::Success
        })
    }
}

impl VerifyArgs {
    fn report(
        &self,
        repo: &gix::Repository,
        reference: &str,
        tip: Option<ObjectId>,
    ) -> Result<Report> {
        // A range that names its end needs no local branch (a CI checkout of a
        // pull request has none).
        let missing = || {
            Error::usage(format!(
                "{reference} does not exist here: nothing to verify"
            ))
            .hint("in a member, fetch the realm first (`git realm verify --fetch`)")
        };
        let (from, to) = match &self.range {
            None => (None, tip.ok_or_else(missing)?),
            Some(range) => {
                let (a, b) = range.split_once("..").unwrap_or(("", range.as_str()));
                let from = if a.is_empty() {
                    None
                } else {
                    Some(resolve(repo, a)?)
                };
                let to = if b.is_empty() {
                    tip.ok_or_else(missing)?
                } else {
                    resolve(repo, b)?
                };
                (from, to)
            }
        };
        let state = history::state(repo, to)?;
        let (realm, trust_level) = match state.realm() {
            Ok(r) => (r.name.to_string(), r.trust),
            Err(_) => ("?".to_owned(), Trust::Open),
        };
        let malformed = trust::check_files(&state)
            .into_iter()
            .map(|(file, error)| Malformed { file, error })
            .collect();
        let violations = trust::verify_range(repo, from, to)?;
        Ok(Report {
            realm,
            trust: trust_level.to_string(),
            tip: Some(to.to_string()),
            commits: history::commits(repo, from, to)?.len(),
            violations,
            malformed,
        })
    }
}

/// A commit id or a ref name (as given, or under refs/heads/ or refs/realm/).
fn resolve(repo: &gix::Repository, rev: &str) -> Result<ObjectId> {
    if let Ok(id) = ObjectId::from_hex(rev.as_bytes()) {
        return Ok(id);
    }
    for name in [rev.to_owned(), format!("refs/heads/{rev}")] {
        if let Ok(Some(id)) = git::ref_target(repo, &name) {
            return Ok(id);
        }
    }
    Err(Error::usage(format!(
        "RANGE: {rev:?} is neither a full commit id nor a ref here"
    )))
}

fn print(ui: &Ui, r: &Report) {
    for m in &r.malformed {
        ui.bad(format!("{}: {}", m.file, m.error));
    }
    for v in &r.violations {
        ui.bad(v.to_string());
    }
    if r.malformed.is_empty() && r.violations.is_empty() {
        ui.ok(format!(
            "Realm '{}' verified: {} commit{}, trust {}{}",
            r.realm,
            r.commits,
            if r.commits == 1 { "" } else { "s" },
            r.trust,
            r.tip
                .as_deref()
                .map(|t| format!(" (at {})", &t[..7]))
                .unwrap_or_default()
        ));
    }
}

/// A scratch repository seeing the quarantined objects of a push and the
/// repository's own, when git says there is a quarantine (`GIT_QUARANTINE_PATH`).
fn quarantine_view(repo: &gix::Repository) -> Result<Option<git::repo::ObjectView>> {
    let Some(quarantine) = std::env::var_os("GIT_QUARANTINE_PATH") else {
        return Ok(None);
    };
    let mut alternates = vec![
        std::path::PathBuf::from(&quarantine),
        repo.common_dir().join("objects"),
    ];
    if let Some(more) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        alternates.extend(std::env::split_paths(&more));
    }
    git::repo::ObjectView::new(&alternates).map(Some)
}

/// git's pre-receive hook: refuse the whole push if an update of the realm branch
/// brings a commit that fails verification, rewrites history or deletes it.
/// Other branches (proposals) are judged when they are merged.
fn pre_receive(repo: &gix::Repository) -> Result<Exit> {
    let stdin = std::io::stdin();
    let mut bad: Vec<String> = Vec::new();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| Error::usage(format!("cannot read the hook's input: {e}")))?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [old, new, name] = parts.as_slice() else {
            continue;
        };
        if *name != REALM_BRANCH {
            continue;
        }
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        if zero(new) {
            bad.push(format!("{name}: the realm branch is never deleted"));
            continue;
        }
        let new = ObjectId::from_hex(new.as_bytes())
            .map_err(|e| Error::usage(format!("pre-receive: {new}: {e}")))?;
        let old = if zero(old) {
            None
        } else {
            Some(
                ObjectId::from_hex(old.as_bytes())
                    .map_err(|e| Error::usage(format!("pre-receive: {old}: {e}")))?,
            )
        };
        if let Some(o) = old
            && !history::is_ancestor(repo, o, new)?
            && trust::level_at(repo, o) != Trust::Open
        {
            bad.push(format!(
                "{name}: the realm's history is never rewritten ({} is not in the new history)",
                ui::short(&o)
            ));
        }
        for (file, error) in trust::check_files(&history::state(repo, new)?) {
            bad.push(format!("{file}: {error}"));
        }
        for v in trust::verify_range(repo, old, new)? {
            bad.push(v.to_string());
        }
    }
    if bad.is_empty() {
        return Ok(Exit::Success);
    }
    let mut err = String::from("git-realm refused this push to the realm:");
    for b in &bad {
        err.push_str("\n  ");
        err.push_str(b);
    }
    Err(Error::new(Exit::Attention, err))
}

//! `git realm leave`: unregister this repository from its realm(s).
//!
//! Leaving removes `repos/<repo>.yaml`, the repo's bindings and its place in every
//! domain, in one realm commit. It refuses while another repo imports a contract
//! this repo exports, because those consumers would be left without a provider;
//! `--force` leaves anyway (the contracts stay, so consumers keep the last version).
//! It lists what it removes (imports, exports, domain memberships) and the open
//! changes that still name the repository; `--dry-run` lists it without writing.

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::git;
use crate::index;
use crate::membership::{self, Membership};
use crate::ops::{self, Dependent};
use crate::store::Store;
use crate::ui::{self, Ui};

/// Unregister this repository from its realm(s)
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-leave",
    bin_name = "git realm leave",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm leave --realm letemcook\n",
        "  git realm leave --dry-run    # what leaving would remove\n",
        "  git realm leave --force      # even though other repos import our exports\n\n",
        crate::exit_status!()
    ),
)]
pub struct LeaveArgs {
    /// Leave even though other repositories import this repository's exports
    #[arg(long)]
    pub force: bool,

    /// Print what would be removed, and write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// `--json`: one report per realm left, and the realms that failed.
#[derive(Serialize)]
struct LeaveAll {
    realms: Vec<LeaveReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<crate::error::RealmFailure>,
}

/// What leaving one realm removed (or would remove).
#[derive(Serialize)]
struct LeaveReport {
    realm: String,
    repo: String,
    dry_run: bool,
    commit: Option<String>,
    /// What the realm commit removes: `domain/contract` imports and exports, and
    /// the domains the repository was a member of.
    removed: Removed,
    /// Open changes that still name this repository.
    open_changes: Vec<String>,
    forced_past: Vec<Dependent>,
}

#[derive(Serialize)]
struct Removed {
    imports: Vec<String>,
    exports: Vec<String>,
    domains: Vec<String>,
}

impl Command for LeaveArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::at_least_one(&repo, self.global.realm.as_ref())?;
        // Every realm is left and reported; the exit status is the worst one.
        let each = membership::each(ui, &memberships, |m| self.leave_one(&repo, m, ui))?;
        if ui.json {
            ui.json(&LeaveAll {
                realms: each.done,
                errors: each.failed,
            });
        }
        Ok(each.exit)
    }
}

impl LeaveArgs {
    fn leave_one(&self, repo: &gix::Repository, m: &Membership, ui: &Ui) -> Result<LeaveReport> {
        let me = m.me()?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let mut op = ops::Leave {
            repo: me.clone(),
            realm: m.realm.clone(),
            force: self.force,
        };
        let (mut left, commit) = if self.dry_run {
            (store.preview(&mut op)?.value, None)
        } else {
            let updated = store.update(&mut op)?;
            (updated.value, updated.commit)
        };
        let open_changes = std::mem::take(&mut left.open_changes);

        if !self.dry_run {
            // The membership goes last: a leave killed before it is finished
            // by running `leave` again (the realm and the index have nothing
            // left to do); forgotten first, there was no member left to re-run
            // it from, and the index kept the checkout.
            index::modify(|idx| {
                if let Some(r) = idx.realms.iter_mut().find(|r| r.name == m.realm) {
                    r.remove_checkout(&me);
                }
            })?;
            membership::forget(repo, &m.realm)?;
        }

        let would = if self.dry_run {
            "Would remove"
        } else {
            "Removed"
        };
        for i in &left.imports {
            ui.line(format!("  {would} the import of {i}"));
        }
        for e in &left.exports {
            ui.line(format!(
                "  {would} the export declaration of {e} (the contract stays)"
            ));
        }
        for d in &left.domains {
            ui.line(format!("  {would} {me} from domain '{d}'"));
        }
        for d in &left.dependents {
            ui.warn(format!(
                "{} still imports {}/{} from {me} (left with --force)",
                d.repo, d.domain, d.contract
            ));
        }
        for c in &open_changes {
            ui.warn(format!(
                "change '{c}' is open and names {me}; finish it with `git realm worktree finish {c}`"
            ));
        }
        if self.dry_run {
            ui.line(format!(
                "Dry run: {me} would leave realm '{}'; nothing was written.",
                m.realm
            ));
        } else {
            match commit {
                Some(c) => ui.ok(format!(
                    "{me} left realm '{}' (commit {})",
                    m.realm,
                    ui::short(&c)
                )),
                None => ui.ok(format!("{me} was not registered in realm '{}'", m.realm)),
            }
            ui.ok(format!(
                "Removed realm.{} from the local git config",
                m.realm
            ));
            if !left.imports.is_empty() || !left.exports.is_empty() {
                ui.line(
                    "  Re-joining does not restore them: declare them again with `git realm import`/`export`.",
                );
            }
        }
        Ok(LeaveReport {
            realm: m.realm.to_string(),
            repo: me.to_string(),
            dry_run: self.dry_run,
            commit: commit.map(|c| c.to_string()),
            removed: Removed {
                imports: left.imports,
                exports: left.exports,
                domains: left.domains,
            },
            open_changes,
            forced_past: left.dependents,
        })
    }
}

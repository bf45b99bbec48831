//! `git realm leave`: unregister this repository from its realm(s).
//!
//! Leaving removes `repos/<repo>.yaml`, the repo's bindings and its place in every
//! domain, in one realm commit. It refuses while another repo imports a contract
//! this repo exports, because those consumers would be left without a provider;
//! `--force` leaves anyway (the contracts stay, so consumers keep the last version).

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
        "  git realm leave --force      # even though other repos import our exports\n\n",
        crate::exit_status!()
    ),
)]
pub struct LeaveArgs {
    /// Leave even though other repositories import this repository's exports
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// A consumer that still depends on one of our exports.
#[derive(Serialize)]
struct LeaveReport {
    realm: String,
    repo: String,
    commit: Option<String>,
    forced_past: Vec<Dependent>,
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
            ui.json(&each.done);
        }
        Ok(each.exit)
    }
}

impl LeaveArgs {
    fn leave_one(&self, repo: &gix::Repository, m: &Membership, ui: &Ui) -> Result<LeaveReport> {
        let me = m.me()?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let updated = store.update(&mut ops::Leave {
            repo: me.clone(),
            realm: m.realm.clone(),
            force: self.force,
        })?;

        membership::forget(repo, &m.realm)?;
        index::modify(|idx| {
            if let Some(r) = idx.realms.iter_mut().find(|r| r.name == m.realm) {
                r.remove_checkout(&me);
            }
        })?;

        for d in &updated.value {
            ui.warn(format!(
                "{} still imports {}/{} from {me} (left with --force)",
                d.repo, d.domain, d.contract
            ));
        }
        match updated.commit {
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
        Ok(LeaveReport {
            realm: m.realm.to_string(),
            repo: me.to_string(),
            commit: updated.commit.map(|c| c.to_string()),
            forced_past: updated.value,
        })
    }
}

//! `git realm leave`: unregister this repository from its realm(s).
//!
//! Leaving removes `repos/<repo>.yaml`, the repo's bindings and its place in every
//! domain, in one realm commit. It refuses while another repo imports a contract
//! this repo exports, because those consumers would be left without a provider;
//! `--force` leaves anyway (the contracts stay, so consumers keep the last version).

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::index;
use crate::membership::{self, Membership};
use crate::model::{self, BindingFile, ContractFile, DomainFile, Name};
use crate::store::{Snapshot, Store};
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
#[derive(Debug, Clone, Serialize)]
pub struct Dependent {
    pub repo: String,
    pub domain: String,
    pub contract: String,
    pub version: String,
}

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
        let mut reports = Vec::new();
        for m in &memberships {
            reports.push(self.leave_one(&repo, m, ui)?);
        }
        if ui.json {
            ui.json(&reports);
        }
        Ok(Exit::Success)
    }
}

impl LeaveArgs {
    fn leave_one(&self, repo: &gix::Repository, m: &Membership, ui: &Ui) -> Result<LeaveReport> {
        let me = m.me()?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let force = self.force;
        let updated = store.update(&format!("{me}: leave realm"), |snapshot, edits| {
            let dependents = dependents_of(snapshot, &me)?;
            if !dependents.is_empty() && !force {
                let mut err = Error::conflict(format!(
                    "{me} cannot leave realm '{}': other repositories import its exports",
                    m.realm
                ));
                for d in &dependents {
                    err = err.hint(format!(
                        "{} imports {}/{} ({})",
                        d.repo, d.domain, d.contract, d.version
                    ));
                }
                return Err(
                    err.hint("they must drop those imports first, or leave anyway with --force")
                );
            }
            if snapshot.exists(&model::paths::repo(me.as_str()))? {
                edits.remove(&model::paths::repo(me.as_str()));
            }
            for domain in snapshot.dir_names(model::paths::DOMAINS)? {
                let path = model::paths::domain(domain.as_str());
                if let Some(mut d) = snapshot.read::<DomainFile>(&path)?
                    && d.members.contains(&me)
                {
                    d.members.retain(|x| x != &me);
                    edits.put(&path, &d);
                }
                let binding = model::paths::binding(domain.as_str(), me.as_str());
                if snapshot.exists(&binding)? {
                    edits.remove(&binding);
                }
            }
            Ok(dependents)
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

/// Every other repo importing a contract that `me` provides.
pub fn dependents_of(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<Dependent>> {
    let mut out = Vec::new();
    for domain in snapshot.dir_names(model::paths::DOMAINS)? {
        let d = domain.as_str();
        let mut ours: Vec<Name> = Vec::new();
        for contract in snapshot.doc_names(&model::paths::contracts_dir(d))? {
            let c = snapshot.require::<ContractFile>(
                &model::paths::contract(d, contract.as_str()),
                "contract",
            )?;
            if &c.owner == me {
                ours.push(c.name);
            }
        }
        if let Some(b) = snapshot.read::<BindingFile>(&model::paths::binding(d, me.as_str()))? {
            ours.extend(b.exports.into_iter().map(|e| e.contract));
        }
        if ours.is_empty() {
            continue;
        }
        for consumer in snapshot.doc_names(&model::paths::bindings_dir(d))? {
            if &consumer == me {
                continue;
            }
            let b = snapshot
                .require::<BindingFile>(&model::paths::binding(d, consumer.as_str()), "binding")?;
            for import in b.imports.iter().filter(|i| ours.contains(&i.contract)) {
                out.push(Dependent {
                    repo: consumer.to_string(),
                    domain: d.to_owned(),
                    contract: import.contract.to_string(),
                    version: import.version.to_string(),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.repo, &a.domain, &a.contract).cmp(&(&b.repo, &b.domain, &b.contract)));
    out.dedup_by(|a, b| a.repo == b.repo && a.domain == b.domain && a.contract == b.contract);
    Ok(out)
}

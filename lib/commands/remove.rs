//! `git realm remove`: stop importing or exporting a contract, remove a domain,
//! abandon a change. Each is one realm commit; what others depend on is only
//! removed with `--force`, and `--dry-run` shows the commit without making it.

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{ChangeStatus, Name};
use crate::ops::{self, Operation};
use crate::store::Store;
use crate::ui::{self, Ui};

/// Remove an import, an export, a domain, or abandon a change
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-remove",
    bin_name = "git realm remove",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm remove import s3-permissions --domain s3-access\n",
        "  git realm remove export s3-permissions --domain s3-access --dry-run\n",
        "  git realm remove export s3-permissions --domain s3-access --force   # even though others import it\n",
        "  git realm remove domain s3-access             # refused unless it is empty, or --force\n",
        "  git realm remove change training-metrics-v2   # abandon it (the record stays, closed)\n\n",
        crate::exit_status!()
    ),
)]
pub struct RemoveArgs {
    #[command(subcommand)]
    pub what: RemoveWhat,

    /// Print the realm commit it would make, and write nothing
    #[arg(short = 'n', long, global = true)]
    pub dry_run: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum RemoveWhat {
    /// Stop importing a contract (this repository's binding forgets it)
    Import {
        /// The contract's name
        contract: Name,
        /// The domain the contract belongs to
        #[arg(long, value_name = "DOMAIN")]
        domain: Name,
    },
    /// Stop providing a contract: the declaration and the published contract go
    Export {
        /// The contract's name
        contract: Name,
        /// The domain the contract belongs to
        #[arg(long, value_name = "DOMAIN")]
        domain: Name,
        /// Remove it even though other repositories import it
        #[arg(long)]
        force: bool,
    },
    /// Remove a domain (refused while it holds contracts or bindings)
    Domain {
        /// The domain's name
        #[arg(value_name = "DOMAIN")]
        name: Name,
        /// Remove it with all its contracts and bindings
        #[arg(long)]
        force: bool,
    },
    /// Abandon a change: it is closed in the realm and no longer listed as open
    Change {
        /// The change's name
        #[arg(value_name = "CHANGE")]
        change: Name,
    },
}

#[derive(Serialize)]
struct RemoveReport<T: Serialize> {
    realm: String,
    repo: String,
    removed: String,
    dry_run: bool,
    commit: Option<String>,
    /// What the removal left behind or took with it.
    details: T,
    /// With --dry-run: the realm commit message and the files it would touch.
    preview: Option<serde_json::Value>,
}

impl Command for RemoveArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        let ctx = Ctx {
            store: &store,
            ui,
            dry_run: self.dry_run,
            realm: m.realm.to_string(),
            repo: me.to_string(),
        };
        match self.what {
            RemoveWhat::Import { contract, domain } => {
                let what = format!("the import of {domain}/{contract}");
                ctx.write(
                    &what,
                    ops::RemoveImport {
                        repo: me,
                        domain,
                        contract,
                    },
                    |_| {},
                )
            }
            RemoveWhat::Export {
                contract,
                domain,
                force,
            } => {
                let what = format!("the export of {domain}/{contract}");
                ctx.write(
                    &what,
                    ops::RemoveExport {
                        repo: me,
                        domain,
                        contract,
                        force,
                    },
                    |consumers: &Vec<ops::Consumer>| {
                        for c in consumers {
                            ui.warn(format!(
                                "{} still imports {}/{} ({}): it is now broken there (--force)",
                                c.repo, c.domain, c.contract, c.requirement
                            ));
                        }
                    },
                )
            }
            RemoveWhat::Domain { name, force } => {
                let what = format!("domain '{name}'");
                ctx.write(
                    &what,
                    ops::RemoveDomain {
                        actor: me,
                        domain: name,
                        force,
                    },
                    |gone: &ops::DomainContents| {
                        if !gone.contracts.is_empty() {
                            ui.line(format!(
                                "  with its contracts: {}",
                                gone.contracts.join(", ")
                            ));
                        }
                        if !gone.bindings.is_empty() {
                            ui.line(format!(
                                "  and the bindings of: {}",
                                gone.bindings.join(", ")
                            ));
                        }
                    },
                )
            }
            RemoveWhat::Change { change } => {
                let what = format!("change '{change}' (abandoned)");
                ctx.write(
                    &what,
                    ops::CloseChange {
                        actor: me,
                        change,
                        status: ChangeStatus::Abandoned,
                    },
                    |_| {},
                )
            }
        }
    }
}

struct Ctx<'a, 'r> {
    store: &'a Store<'r>,
    ui: &'a Ui,
    dry_run: bool,
    realm: String,
    repo: String,
}

impl Ctx<'_, '_> {
    /// Apply `op` (or preview it), then report.
    fn write<O>(&self, what: &str, mut op: O, details: impl Fn(&O::Output)) -> Result<Exit>
    where
        O: Operation,
        O::Output: Serialize,
    {
        let ui = self.ui;
        let (value, commit, preview) = if self.dry_run {
            let p = self.store.preview(&mut op)?;
            ui::dry_run(ui, &p.message, &p.edits);
            let json = ui::dry_run_json(&p.message, &p.edits);
            (p.value, None, Some(json))
        } else {
            let u = self.store.update(&mut op)?;
            match u.commit {
                Some(c) => ui.ok(format!("Removed {what} (commit {})", ui::short(&c))),
                None => ui.ok(format!("Nothing to remove: {what} is already gone")),
            }
            (u.value, u.commit, None)
        };
        details(&value);
        if ui.json {
            ui.json(&RemoveReport {
                realm: self.realm.clone(),
                repo: self.repo.clone(),
                removed: what.to_owned(),
                dry_run: self.dry_run,
                commit: commit.map(|c| c.to_string()),
                details: value,
                preview,
            });
        }
        Ok(Exit::Success)
    }
}

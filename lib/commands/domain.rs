//! `git realm domain`: coordination contexts between repositories.

use std::borrow::Cow;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::changes::join;
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, BindingFile, ContractFile, DomainFile, Name};
use crate::ops;
use crate::store::{DomainFacts, Snapshot, Store};
use crate::ui::{self, Paint, Ui};

/// Create and inspect domains: coordination contexts between repositories
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-domain",
    bin_name = "git realm domain",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm domain create s3-access --repos aperture,fungal-image-analysis --description 'S3 paths aperture needs'\n",
        "  git realm domain add s3-access ml-infra\n",
        "  git realm domain list\n",
        "  git realm domain show s3-access --json\n\n",
        crate::exit_status!()
    ),
)]
pub struct DomainArgs {
    #[command(subcommand)]
    pub action: DomainAction,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum DomainAction {
    /// Create a domain between registered repositories
    Create {
        /// The domain's name
        name: Name,
        /// The participating repositories, comma-separated
        #[arg(long, value_delimiter = ',', required = true, value_name = "REPO,...")]
        repos: Vec<Name>,
        /// What is being coordinated
        #[arg(long, default_value = "")]
        description: String,
        /// Print the realm commit it would make; write nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// Add a registered repository to a domain
    Add {
        /// The domain's name
        #[arg(value_name = "DOMAIN")]
        name: Name,
        /// The repository to add
        repo: Name,
        /// Print the realm commit it would make; write nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// List the realm's domains
    List,
    /// Show a domain: members, contracts, exports and imports
    Show {
        /// The domain's name
        #[arg(value_name = "DOMAIN")]
        name: Name,
    },
}

/// A domain as `domain list` and `domain show` print it, its strings borrowed
/// from the realm cache's facts where it had them.
#[derive(Serialize)]
struct DomainSummary<'a> {
    name: Cow<'a, str>,
    description: Cow<'a, str>,
    members: Vec<Cow<'a, str>>,
    contracts: Vec<ContractSummary<'a>>,
}

#[derive(Serialize)]
struct ContractSummary<'a> {
    name: Cow<'a, str>,
    owner: Cow<'a, str>,
    version: Cow<'a, str>,
    consumers: Vec<ConsumerSummary<'a>>,
}

#[derive(Serialize)]
struct ConsumerSummary<'a> {
    repo: Cow<'a, str>,
    requirement: Cow<'a, str>,
    resolved_version: Option<Cow<'a, str>>,
}

/// `domain create --json`.
#[derive(Serialize)]
struct DomainCreated {
    domain: Name,
    members: Vec<Name>,
    /// The realm commit, or `null` when the domain already existed so (or on a dry run).
    commit: Option<String>,
    dry_run: bool,
    /// On a dry run, the realm commit it would make.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<serde_json::Value>,
}

/// `domain add --json`.
#[derive(Serialize)]
struct MemberAdded {
    domain: Name,
    added: Name,
    /// The realm commit, or `null` when it already was a member (or on a dry run).
    commit: Option<String>,
    dry_run: bool,
    /// On a dry run, the realm commit it would make.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<serde_json::Value>,
}

impl Command for DomainArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let (m, me) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        match self.action {
            DomainAction::Create {
                name,
                repos,
                description,
                dry_run,
            } => {
                let updated = super::realm_write(
                    &store,
                    &mut ops::CreateDomain {
                        actor: me.clone(),
                        name: name.clone(),
                        members: repos.clone(),
                        description: description.clone(),
                        created_at: git::now(&repo)?,
                    },
                    dry_run,
                    ui,
                )?;
                let members = join(&repos);
                if !dry_run {
                    report_write(
                        ui,
                        &updated.commit,
                        &format!("Created domains/{name}/domain.yaml ({members})"),
                        &format!("domain '{name}' already exists with these members"),
                    );
                }
                if ui.json {
                    ui.json(&DomainCreated {
                        domain: name,
                        members: repos,
                        commit: updated.commit.map(|c| c.to_string()),
                        dry_run,
                        preview: updated.preview,
                    });
                }
            }
            DomainAction::Add {
                name,
                repo: member,
                dry_run,
            } => {
                let updated = super::realm_write(
                    &store,
                    &mut ops::AddMember {
                        actor: me.clone(),
                        domain: name.clone(),
                        member: member.clone(),
                    },
                    dry_run,
                    ui,
                )?;
                if !dry_run {
                    report_write(
                        ui,
                        &updated.commit,
                        &format!("Added {member} to domain '{name}'"),
                        &format!("{member} is already in domain '{name}'"),
                    );
                }
                if ui.json {
                    ui.json(&MemberAdded {
                        domain: name,
                        added: member,
                        commit: updated.commit.map(|c| c.to_string()),
                        dry_run,
                        preview: updated.preview,
                    });
                }
            }
            DomainAction::List => {
                let snapshot = store.snapshot()?;
                let mut all = Vec::new();
                for d in snapshot.dir_names(model::paths::DOMAINS)? {
                    all.push(summary(&snapshot, &d)?);
                }
                if ui.json {
                    ui.json(&serde_json::json!({ "realm": m.realm, "domains": all }));
                } else if all.is_empty() {
                    ui.line(format!("No domains in realm '{}' yet. Create one with `git realm domain create NAME --repos a,b`.", m.realm));
                } else {
                    // One write for the whole list, not one per domain.
                    let mut text = String::new();
                    for d in &all {
                        let contracts: Vec<String> = d
                            .contracts
                            .iter()
                            .map(|c| format!("{}@{}", c.name, c.version))
                            .collect();
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(&format!(
                            "{}  members: {}  contracts: {}",
                            ui.paint(&d.name, Paint::Bold),
                            d.members.join(", "),
                            if contracts.is_empty() {
                                "none".to_owned()
                            } else {
                                contracts.join(", ")
                            }
                        ));
                    }
                    ui.line(text);
                }
            }
            DomainAction::Show { name } => {
                let snapshot = store.snapshot()?;
                let s = summary(&snapshot, &name)?;
                if ui.json {
                    ui.json(&s);
                } else {
                    ui.line(ui.paint(
                        &format!("Domain '{}' in realm '{}'", s.name, m.realm),
                        Paint::Bold,
                    ));
                    if !s.description.is_empty() {
                        ui.line(format!("  {}", s.description));
                    }
                    ui.line(format!("  Members: {}", s.members.join(", ")));
                    if s.contracts.is_empty() {
                        ui.line("  Contracts: none yet");
                    }
                    for c in &s.contracts {
                        ui.line(format!(
                            "  Contract {}@{} (provided by {})",
                            c.name, c.version, c.owner
                        ));
                        for consumer in &c.consumers {
                            let resolved = consumer
                                .resolved_version
                                .as_deref()
                                .unwrap_or("never resolved");
                            ui.line(format!(
                                "    → {} imports {} (at {resolved})",
                                consumer.repo, consumer.requirement
                            ));
                        }
                    }
                }
            }
        }
        Ok(Exit::Success)
    }
}

fn report_write(ui: &Ui, commit: &Option<gix::ObjectId>, done: &str, unchanged: &str) {
    match commit {
        Some(c) => ui.ok(format!("{done} (commit {})", ui::short(c))),
        None => ui.ok(format!("Nothing to do: {unchanged}")),
    }
}

fn summary<'a>(snapshot: &'a Snapshot<'_>, name: &Name) -> Result<DomainSummary<'a>> {
    if let Some(facts) = snapshot.domain_facts(name) {
        return Ok(summary_of(facts));
    }
    let n = name.as_str();
    let domain =
        snapshot.require::<DomainFile>(&model::paths::domain(n), &format!("domain '{n}'"))?;
    let mut bindings = Vec::new();
    for r in snapshot.doc_names(&model::paths::bindings_dir(n))? {
        bindings.push(
            snapshot.require::<BindingFile>(&model::paths::binding(n, r.as_str()), "binding")?,
        );
    }
    let mut contracts = Vec::new();
    for c in snapshot.doc_names(&model::paths::contracts_dir(n))? {
        let file =
            snapshot.require::<ContractFile>(&model::paths::contract(n, c.as_str()), "contract")?;
        let consumers = bindings
            .iter()
            .flat_map(|b| {
                b.imports
                    .iter()
                    .filter(|i| i.contract == file.name)
                    .map(move |i| (b, i))
            })
            .map(|(b, i)| ConsumerSummary {
                repo: b.repo.to_string().into(),
                requirement: i.version.to_string().into(),
                resolved_version: i.resolved_version.as_ref().map(|v| v.to_string().into()),
            })
            .collect();
        contracts.push(ContractSummary {
            name: file.name.to_string().into(),
            owner: file.owner.to_string().into(),
            version: file.version.to_string().into(),
            consumers,
        });
    }
    Ok(DomainSummary {
        name: domain.name.to_string().into(),
        description: domain.description.into(),
        members: domain
            .members
            .iter()
            .map(|m| m.to_string().into())
            .collect(),
        contracts,
    })
}

/// The same as `summary`, from the cached facts of the domain.
fn summary_of(f: &DomainFacts) -> DomainSummary<'_> {
    let contracts = f
        .contracts
        .iter()
        .map(|c| ContractSummary {
            name: f.str(c.name).into(),
            owner: f.str(c.owner).into(),
            version: f.str(c.version).into(),
            consumers: f
                .bindings
                .iter()
                .flat_map(|b| {
                    b.imports
                        .iter()
                        .filter(|i| f.str(i.contract) == f.str(c.name))
                        .map(move |i| ConsumerSummary {
                            repo: f.str(b.repo).into(),
                            requirement: f.str(i.requirement).into(),
                            resolved_version: i.resolved_version.map(|v| f.str(v).into()),
                        })
                })
                .collect(),
        })
        .collect();
    DomainSummary {
        name: f.str(f.name).into(),
        description: f.str(f.description).into(),
        members: f.members.iter().map(|m| f.str(*m).into()).collect(),
        contracts,
    }
}

//! `git realm domain`: coordination contexts between repositories.

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::changes::join;
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, Name};
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

/// A domain as `domain list` and `domain show` print it, borrowed from the
/// realm cache's facts where it had them.
struct DomainSummary<'a>(DomainFacts<'a>);

/// `{name, description, members, contracts: [{name, owner, version, consumers:
/// [{repo, requirement, resolved_version}]}]}`, built one domain at a time as
/// it is written.
impl Serialize for DomainSummary<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Domain<'a> {
            name: &'a str,
            description: &'a str,
            members: Vec<&'a str>,
            contracts: Vec<Contract<'a>>,
        }
        #[derive(Serialize)]
        struct Contract<'a> {
            name: &'a str,
            owner: &'a str,
            version: &'a str,
            consumers: Vec<Consumer<'a>>,
        }
        #[derive(Serialize)]
        struct Consumer<'a> {
            repo: &'a str,
            requirement: &'a str,
            resolved_version: Option<&'a str>,
        }
        let f = &self.0;
        let contracts = f.contracts.iter().map(|c| Contract {
            name: f.str(c.name),
            owner: f.str(c.owner),
            version: f.str(c.version),
            consumers: f
                .consumers(c)
                .map(|(b, i)| Consumer {
                    repo: f.str(b.repo),
                    requirement: f.str(i.requirement),
                    resolved_version: i.resolved_version.map(|v| f.str(v)),
                })
                .collect(),
        });
        Domain {
            name: f.str(f.name),
            description: f.str(f.description),
            members: f.members.iter().map(|m| f.str(*m)).collect(),
            contracts: contracts.collect(),
        }
        .serialize(s)
    }
}

/// `domain list --json`.
#[derive(Serialize)]
struct DomainList<'a> {
    realm: &'a Name,
    domains: Vec<DomainSummary<'a>>,
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
                    ui.json(&DomainList {
                        realm: &m.realm,
                        domains: all,
                    });
                } else if all.is_empty() {
                    ui.line(format!("No domains in realm '{}' yet. Create one with `git realm domain create NAME --repos a,b`.", m.realm));
                } else {
                    // One write for the whole list, not one per domain.
                    let mut text = String::new();
                    for DomainSummary(f) in &all {
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(&ui.paint(f.str(f.name), Paint::Bold));
                        text.push_str("  members: ");
                        for (i, m) in f.members.iter().enumerate() {
                            text.push_str(if i == 0 { "" } else { ", " });
                            text.push_str(f.str(*m));
                        }
                        text.push_str("  contracts: ");
                        if f.contracts.is_empty() {
                            text.push_str("none");
                        }
                        for (i, c) in f.contracts.iter().enumerate() {
                            text.push_str(if i == 0 { "" } else { ", " });
                            text.push_str(f.str(c.name));
                            text.push('@');
                            text.push_str(f.str(c.version));
                        }
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
                    let f = &s.0;
                    ui.line(ui.paint(
                        &format!("Domain '{}' in realm '{}'", f.str(f.name), m.realm),
                        Paint::Bold,
                    ));
                    if !f.str(f.description).is_empty() {
                        ui.line(format!("  {}", f.str(f.description)));
                    }
                    let members: Vec<&str> = f.members.iter().map(|m| f.str(*m)).collect();
                    ui.line(format!("  Members: {}", members.join(", ")));
                    if f.contracts.is_empty() {
                        ui.line("  Contracts: none yet");
                    }
                    for c in &f.contracts {
                        ui.line(format!(
                            "  Contract {}@{} (provided by {})",
                            f.str(c.name),
                            f.str(c.version),
                            f.str(c.owner)
                        ));
                        for (b, i) in f.consumers(c) {
                            let resolved =
                                i.resolved_version.map_or("never resolved", |v| f.str(v));
                            ui.line(format!(
                                "    → {} imports {} (at {resolved})",
                                f.str(b.repo),
                                f.str(i.requirement)
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
    let facts = snapshot.domain_facts_or_read(name, &format!("domain '{name}'"))?;
    Ok(DomainSummary(facts))
}

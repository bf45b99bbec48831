//! `git realm graph`: repositories, domains, contracts and provider → consumer
//! edges, as text, Mermaid or Graphviz dot.

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, ContractFile, DomainFile, Name};
use crate::store::{Snapshot, Store};
use crate::ui::{Paint, Ui};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Mermaid,
    Dot,
}

/// Show the dependency graph between repositories
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-graph",
    bin_name = "git realm graph",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm graph\n",
        "  git realm graph --format mermaid --domain s3-access >> docs/architecture.md\n",
        "  git realm graph --format dot | dot -Tsvg > realm.svg\n\n",
        crate::exit_status!()
    ),
)]
pub struct GraphArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Only this domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<Name>,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
pub struct Graph {
    pub realm: String,
    pub repos: Vec<String>,
    pub domains: Vec<GraphDomain>,
    pub edges: Vec<Edge>,
}

#[derive(Serialize)]
pub struct GraphDomain {
    pub name: String,
    pub members: Vec<String>,
    pub contracts: Vec<String>,
}

#[derive(Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub domain: String,
    pub contract: String,
    pub version: String,
    pub requirement: String,
    pub resolved_version: Option<String>,
}

impl Command for GraphArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let (m, _) = membership::one(&repo, self.global.realm.as_ref())?;
        let store = Store::member(&repo, m.realm.as_str(), &m.url);
        let snapshot = store.snapshot()?;
        let graph = build(&snapshot, m.realm.as_str(), self.domain.as_ref())?;
        if ui.json {
            ui.json(&graph);
            return Ok(Exit::Success);
        }
        let text = match self.format {
            Format::Text => text(ui, &graph),
            Format::Mermaid => mermaid(&graph),
            Format::Dot => dot(&graph),
        };
        crate::ui::stdout_raw(&crate::ui::escape(&text));
        Ok(Exit::Success)
    }
}

pub fn build(snapshot: &Snapshot<'_>, realm: &str, only: Option<&Name>) -> Result<Graph> {
    let mut domains = Vec::new();
    let mut edges = Vec::new();
    let names = match only {
        Some(d) => {
            snapshot.require::<DomainFile>(
                &model::paths::domain(d.as_str()),
                &format!("--domain {d}: domain '{d}'"),
            )?;
            vec![d.clone()]
        }
        None => snapshot.dir_names(model::paths::DOMAINS)?,
    };
    let mut repos: Vec<String> = match only {
        Some(_) => Vec::new(),
        None => snapshot
            .doc_names(model::paths::REPOS)?
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    for d in names {
        let ds = d.as_str();
        let domain = snapshot.require::<DomainFile>(&model::paths::domain(ds), "domain")?;
        let mut contract_names = Vec::new();
        let bindings = contracts::domain_bindings(snapshot, ds)?;
        for c in snapshot.doc_names(&model::paths::contracts_dir(ds))? {
            let contract = snapshot
                .require::<ContractFile>(&model::paths::contract(ds, c.as_str()), "contract")?;
            contract_names.push(format!("{}@{}", contract.name, contract.version));
            for consumer in contracts::consumers_among(&bindings, &contract.name) {
                edges.push(Edge {
                    from: contract.owner.to_string(),
                    to: consumer.repo.clone(),
                    domain: ds.to_owned(),
                    contract: contract.name.to_string(),
                    version: contract.version.to_string(),
                    requirement: consumer.requirement.to_string(),
                    resolved_version: consumer.resolved_version.map(|v| v.to_string()),
                });
            }
        }
        repos.extend(domain.members.iter().map(ToString::to_string));
        domains.push(GraphDomain {
            name: ds.to_owned(),
            members: domain.members.iter().map(ToString::to_string).collect(),
            contracts: contract_names,
        });
    }
    repos.sort();
    repos.dedup();
    Ok(Graph {
        realm: realm.to_owned(),
        repos,
        domains,
        edges,
    })
}

fn text(ui: &Ui, g: &Graph) -> String {
    let mut out = format!(
        "{}\n",
        ui.paint(
            &format!(
                "Realm '{}': {} repos, {} domains",
                g.realm,
                g.repos.len(),
                g.domains.len()
            ),
            Paint::Bold
        )
    );
    // Edges grouped by domain once: filtering all edges for each domain is
    // quadratic (2,000 domains × 20,000 edges in a large realm).
    let mut by_domain: std::collections::HashMap<&str, Vec<&Edge>> =
        std::collections::HashMap::new();
    for e in &g.edges {
        by_domain.entry(e.domain.as_str()).or_default().push(e);
    }
    for d in &g.domains {
        out.push_str(&format!("domain {} ({})\n", d.name, d.members.join(", ")));
        let edges = by_domain.remove(d.name.as_str()).unwrap_or_default();
        if edges.is_empty() {
            out.push_str("  no imports yet\n");
        }
        for e in edges {
            let at = e
                .resolved_version
                .as_deref()
                .map(|v| format!(", at {v}"))
                .unwrap_or_else(|| ", unresolved".into());
            out.push_str(&format!(
                "  {} ──{}@{}──▶ {} ({}{at})\n",
                e.from, e.contract, e.version, e.to, e.requirement
            ));
        }
    }
    out
}

fn id(name: &str) -> String {
    name.replace('-', "_")
}

fn mermaid(g: &Graph) -> String {
    let mut out = String::from("graph LR\n");
    for r in &g.repos {
        out.push_str(&format!("  {}[\"{r}\"]\n", id(r)));
    }
    for d in &g.domains {
        out.push_str(&format!(
            "  subgraph {}[\"{}\"]\n",
            id(&format!("domain-{}", d.name)),
            d.name
        ));
        for m in &d.members {
            out.push_str(&format!("    {}\n", id(m)));
        }
        out.push_str("  end\n");
    }
    for e in &g.edges {
        out.push_str(&format!(
            "  {} -->|\"{}/{}@{}\"| {}\n",
            id(&e.from),
            e.domain,
            e.contract,
            e.version,
            id(&e.to)
        ));
    }
    out
}

fn dot(g: &Graph) -> String {
    let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n", g.realm);
    for r in &g.repos {
        out.push_str(&format!("  \"{r}\" [shape=box];\n"));
    }
    for d in &g.domains {
        out.push_str(&format!(
            "  subgraph \"cluster_{0}\" {{\n    label=\"{0}\";\n",
            d.name
        ));
        for m in &d.members {
            out.push_str(&format!("    \"{m}\";\n"));
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}/{}@{} ({})\"];\n",
            e.from, e.to, e.domain, e.contract, e.version, e.requirement
        ));
    }
    out.push_str("}\n");
    out
}

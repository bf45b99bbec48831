//! `git realm graph`: repositories, domains, contracts and provider → consumer
//! edges, as text, Mermaid or Graphviz dot.

use std::borrow::Cow;

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, ContractFile, DomainFile, Name};
use crate::store::{DomainFacts, Snapshot, Store};
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

/// The graph, its strings borrowed from the realm cache's facts where it had them.
#[derive(Serialize)]
pub struct Graph<'a> {
    pub realm: String,
    pub repos: Vec<Cow<'a, str>>,
    pub domains: Vec<GraphDomain<'a>>,
    pub edges: Vec<Edge<'a>>,
}

#[derive(Serialize)]
pub struct GraphDomain<'a> {
    pub name: Cow<'a, str>,
    pub members: Vec<Cow<'a, str>>,
    pub contracts: Vec<String>,
}

#[derive(Serialize)]
pub struct Edge<'a> {
    pub from: Cow<'a, str>,
    pub to: Cow<'a, str>,
    pub domain: Cow<'a, str>,
    pub contract: Cow<'a, str>,
    pub version: Cow<'a, str>,
    pub requirement: Cow<'a, str>,
    pub resolved_version: Option<Cow<'a, str>>,
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

pub fn build<'a>(
    snapshot: &'a Snapshot<'_>,
    realm: &str,
    only: Option<&Name>,
) -> Result<Graph<'a>> {
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
    let mut repos: Vec<Cow<'a, str>> = match only {
        Some(_) => Vec::new(),
        None => snapshot
            .doc_names(model::paths::REPOS)?
            .iter()
            .map(|r| Cow::Owned(r.to_string()))
            .collect(),
    };
    for d in names {
        let ds = d.as_str();
        let domain = match snapshot.domain_facts(&d) {
            Some(facts) => from_facts(facts, &mut edges),
            None => read_domain(snapshot, ds, &mut edges)?,
        };
        repos.extend(domain.members.iter().cloned());
        domains.push(domain);
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

/// Domain `ds` and its edges, read from the realm tree.
fn read_domain<'a>(
    snapshot: &Snapshot<'_>,
    ds: &str,
    edges: &mut Vec<Edge<'a>>,
) -> Result<GraphDomain<'a>> {
    let domain = snapshot.require::<DomainFile>(&model::paths::domain(ds), "domain")?;
    let mut contract_names = Vec::new();
    let bindings = contracts::domain_bindings(snapshot, ds)?;
    for c in snapshot.doc_names(&model::paths::contracts_dir(ds))? {
        let contract = snapshot
            .require::<ContractFile>(&model::paths::contract(ds, c.as_str()), "contract")?;
        contract_names.push(format!("{}@{}", contract.name, contract.version));
        for consumer in contracts::consumers_among(&bindings, &contract.name) {
            edges.push(Edge {
                from: contract.owner.to_string().into(),
                to: consumer.repo.into(),
                domain: ds.to_owned().into(),
                contract: contract.name.to_string().into(),
                version: contract.version.to_string().into(),
                requirement: consumer.requirement.to_string().into(),
                resolved_version: consumer.resolved_version.map(|v| v.to_string().into()),
            });
        }
    }
    Ok(GraphDomain {
        name: ds.to_owned().into(),
        members: domain
            .members
            .iter()
            .map(|m| m.to_string().into())
            .collect(),
        contracts: contract_names,
    })
}

/// The same as `read_domain`, from the cached facts of the domain (whose
/// `domain.yaml` has the name of its directory: it parsed).
fn from_facts<'a>(f: &'a DomainFacts, edges: &mut Vec<Edge<'a>>) -> GraphDomain<'a> {
    let ds = f.str(f.name);
    let mut contract_names = Vec::with_capacity(f.contracts.len());
    for c in &f.contracts {
        let name = f.str(c.name);
        contract_names.push(format!("{name}@{}", f.str(c.version)));
        for b in &f.bindings {
            for i in b.imports.iter().filter(|i| f.str(i.contract) == name) {
                edges.push(Edge {
                    from: f.str(c.owner).into(),
                    to: f.str(b.repo).into(),
                    domain: ds.into(),
                    contract: name.into(),
                    version: f.str(c.version).into(),
                    requirement: f.str(i.requirement).into(),
                    resolved_version: i.resolved_version.map(|v| f.str(v).into()),
                });
            }
        }
    }
    GraphDomain {
        name: ds.into(),
        members: f.members.iter().map(|m| f.str(*m).into()).collect(),
        contracts: contract_names,
    }
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
        by_domain.entry(&*e.domain).or_default().push(e);
    }
    // Pieces pushed one by one: a large realm prints tens of thousands of lines.
    for d in &g.domains {
        push_all(&mut out, &["domain ", &d.name, " ("]);
        for (i, m) in d.members.iter().enumerate() {
            push_all(&mut out, &[if i == 0 { "" } else { ", " }, m]);
        }
        out.push_str(")\n");
        let edges = by_domain.remove(&*d.name).unwrap_or_default();
        if edges.is_empty() {
            out.push_str("  no imports yet\n");
        }
        for e in edges {
            push_all(
                &mut out,
                &["  ", &e.from, " ──", &e.contract, "@", &e.version],
            );
            push_all(&mut out, &["──▶ ", &e.to, " (", &e.requirement]);
            match e.resolved_version.as_deref() {
                Some(v) => push_all(&mut out, &[", at ", v, ")\n"]),
                None => out.push_str(", unresolved)\n"),
            }
        }
    }
    out
}

fn push_all(out: &mut String, pieces: &[&str]) {
    for p in pieces {
        out.push_str(p);
    }
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

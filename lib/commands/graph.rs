//! `git realm graph`: repositories, domains, contracts and provider → consumer
//! edges, as text, Mermaid or Graphviz dot.

use std::borrow::Cow;

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::git;
use crate::membership;
use crate::model::{self, DomainFile, Name};
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

/// The graph: the repositories and, for each domain, what it holds (borrowed
/// from the realm cache's facts where it had them). The edges are not stored:
/// [`edges_of`] derives them from a domain's facts as they are printed, so a realm
/// with 40,000 edges never holds them all in memory.
pub struct Graph<'a> {
    pub realm: String,
    pub repos: Vec<Cow<'a, str>>,
    pub domains: Vec<Cow<'a, DomainFacts>>,
}

/// A domain as `--json` prints it.
#[derive(Serialize)]
struct GraphDomain<'a> {
    name: &'a str,
    members: Vec<&'a str>,
    contracts: Vec<String>,
}

/// One provider → consumer edge: an import of a contract by a binding.
#[derive(Serialize)]
pub struct Edge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub domain: &'a str,
    pub contract: &'a str,
    pub version: &'a str,
    pub requirement: &'a str,
    pub resolved_version: Option<&'a str>,
}

/// The edges of a domain: for each contract in its order, each import of it in
/// the order of the bindings.
pub fn edges_of(f: &DomainFacts) -> impl Iterator<Item = Edge<'_>> {
    f.imports_by_contract().into_iter().map(|(c, b, i)| Edge {
        from: f.str(c.owner),
        to: f.str(b.repo),
        domain: f.str(f.name),
        contract: f.str(c.name),
        version: f.str(c.version),
        requirement: f.str(i.requirement),
        resolved_version: i.resolved_version.map(|v| f.str(v)),
    })
}

/// `name@version` of every contract of a domain.
fn contract_names(f: &DomainFacts) -> Vec<String> {
    let names = f
        .contracts
        .iter()
        .map(|c| (f.str(c.name), f.str(c.version)));
    names
        .map(|(name, version)| [name, version].join("@"))
        .collect()
}

impl Graph<'_> {
    fn edges(&self) -> impl Iterator<Item = Edge<'_>> {
        self.domains.iter().flat_map(|d| edges_of(d))
    }
}

/// `{realm, repos, domains: [{name, members, contracts}], edges: [...]}`.
impl Serialize for Graph<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Seq<I>(std::cell::Cell<Option<I>>);
        impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_seq(self.0.take().into_iter().flatten())
            }
        }
        fn seq<I>(items: I) -> Seq<I> {
            Seq(std::cell::Cell::new(Some(items)))
        }
        let domains = self.domains.iter().map(|f| GraphDomain {
            name: f.str(f.name),
            members: f.members.iter().map(|m| f.str(*m)).collect(),
            contracts: contract_names(f),
        });
        let mut g = s.serialize_struct("Graph", 4)?;
        g.serialize_field("realm", &self.realm)?;
        g.serialize_field("repos", &self.repos)?;
        g.serialize_field("domains", &seq(domains))?;
        g.serialize_field("edges", &seq(self.edges()))?;
        g.end()
    }
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
            Format::Text => {
                text(ui, &graph);
                return Ok(Exit::Success);
            }
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
    let registered = match only {
        Some(_) => Vec::new(),
        None => snapshot.doc_names(model::paths::REPOS)?,
    };
    // Every registered repository and every member of a domain, once.
    let mut repos: Vec<Cow<'a, str>> = Vec::with_capacity(registered.len() + 6 * names.len());
    repos.extend(registered.into_iter().map(|r| Cow::Owned(r.into())));
    let mut domains = Vec::with_capacity(names.len());
    for d in &names {
        let facts = snapshot.domain_facts_or_read(d, "domain")?;
        if let Cow::Borrowed(f) = facts {
            repos.extend(f.members.iter().map(|m| Cow::Borrowed(f.str(*m))));
        } else {
            repos.extend(
                facts
                    .members
                    .iter()
                    .map(|m| facts.str(*m).to_owned().into()),
            );
        }
        domains.push(facts);
    }
    repos.sort();
    repos.dedup();
    Ok(Graph {
        realm: realm.to_owned(),
        repos,
        domains,
    })
}

/// The text graph, written to stdout as it is made.
fn text(ui: &Ui, g: &Graph) {
    let mut out = ui.stdout_text();
    let header = format!(
        "Realm '{}': {} repos, {} domains",
        g.realm,
        g.repos.len(),
        g.domains.len()
    );
    out.push_all(&[&ui.paint(&header, Paint::Bold), "\n"]);
    for d in &g.domains {
        out.push_all(&["domain ", d.str(d.name), " ("]);
        for (i, m) in d.members.iter().enumerate() {
            out.push_all(&[if i == 0 { "" } else { ", " }, d.str(*m)]);
        }
        out.push(")\n");
        let mut none = true;
        for e in edges_of(d) {
            none = false;
            out.push_all(&["  ", e.from, " ──", e.contract, "@", e.version]);
            out.push_all(&["──▶ ", e.to, " (", e.requirement]);
            match e.resolved_version {
                Some(v) => out.push_all(&[", at ", v, ")\n"]),
                None => out.push(", unresolved)\n"),
            }
        }
        if none {
            out.push("  no imports yet\n");
        }
    }
    out.finish();
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
        let name = d.str(d.name);
        out.push_str(&format!(
            "  subgraph {}[\"{name}\"]\n",
            id(&format!("domain-{name}")),
        ));
        for m in &d.members {
            out.push_str(&format!("    {}\n", id(d.str(*m))));
        }
        out.push_str("  end\n");
    }
    for e in g.edges() {
        out.push_str(&format!(
            "  {} -->|\"{}/{}@{}\"| {}\n",
            id(e.from),
            e.domain,
            e.contract,
            e.version,
            id(e.to)
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
            d.str(d.name)
        ));
        for m in &d.members {
            out.push_str(&format!("    \"{}\";\n", d.str(*m)));
        }
        out.push_str("  }\n");
    }
    for e in g.edges() {
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}/{}@{} ({})\"];\n",
            e.from, e.to, e.domain, e.contract, e.version, e.requirement
        ));
    }
    out.push_str("}\n");
    out
}

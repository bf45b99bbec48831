//! `git realm graph`: repositories, domains, contracts and provider → consumer
//! edges, as text, Mermaid or Graphviz dot.

use std::collections::HashSet;

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Error, Exit, Result};
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

/// The graph: the repositories and the domains. A domain's facts are parsed
/// from the realm cache each time they are printed and dropped after, so a
/// realm of 2,000 domains and 40,000 edges is never all in memory; only the
/// domains the cache does not know are kept, as read from the tree.
pub struct Graph<'a> {
    pub realm: String,
    snapshot: &'a Snapshot<'a>,
    /// In tree order; with the facts of a domain read from the tree.
    domains: Vec<(Name, Option<DomainFacts<'static>>)>,
    /// The registered repositories (all of them without `--domain`).
    registered: Vec<Name>,
    /// The members of a domain that are not registered, sorted.
    unregistered: Vec<String>,
    /// Why reading a domain failed while the graph was written as JSON.
    failure: std::cell::RefCell<Option<Error>>,
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
pub fn edges_of<'f>(f: &'f DomainFacts<'_>) -> impl Iterator<Item = Edge<'f>> {
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
    /// How many repositories: the registered ones and the other members.
    pub fn repo_count(&self) -> usize {
        self.registered.len() + self.unregistered.len()
    }

    /// Every repository, sorted.
    pub fn repos(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.registered.iter().map(Name::as_str).collect();
        all.extend(self.unregistered.iter().map(String::as_str));
        all.sort_unstable();
        all
    }

    /// Each domain's facts in turn, for as long as `each` looks at them.
    pub fn each_domain(&self, mut each: impl FnMut(&DomainFacts<'_>)) -> Result<()> {
        for (name, read) in &self.domains {
            match read {
                Some(facts) => each(facts),
                None => each(&self.snapshot.domain_facts_or_read(name, "domain")?),
            }
        }
        Ok(())
    }
}

/// `{realm, repos, domains: [{name, members, contracts}], edges: [...]}`, each
/// domain parsed as it is written.
impl Serialize for Graph<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
        /// The domains, or their edges, as one sequence.
        struct Seq<'g, 'a> {
            graph: &'g Graph<'a>,
            edges: bool,
        }
        impl Serialize for Seq<'_, '_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                let Seq { graph, edges } = *self;
                let mut seq = s.serialize_seq(None)?;
                let mut failed = None;
                let walked = graph.each_domain(|f| {
                    if failed.is_some() {
                        return;
                    }
                    let written = if edges {
                        edges_of(f).try_for_each(|e| seq.serialize_element(&e))
                    } else {
                        seq.serialize_element(&GraphDomain {
                            name: f.str(f.name),
                            members: f.members.iter().map(|m| f.str(*m)).collect(),
                            contracts: contract_names(f),
                        })
                    };
                    failed = written.err();
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                if let Err(e) = walked {
                    let message = S::Error::custom(&e);
                    graph.failure.replace(Some(e));
                    return Err(message);
                }
                seq.end()
            }
        }
        let mut g = s.serialize_struct("Graph", 4)?;
        g.serialize_field("realm", &self.realm)?;
        g.serialize_field("repos", &self.repos())?;
        let domains = Seq {
            graph: self,
            edges: false,
        };
        g.serialize_field("domains", &domains)?;
        g.serialize_field(
            "edges",
            &Seq {
                edges: true,
                ..domains
            },
        )?;
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
            if let Err(e) = ui.try_json(&graph) {
                let failure = graph.failure.take();
                return Err(failure.unwrap_or_else(|| Error::internal(e.to_string())));
            }
            return Ok(Exit::Success);
        }
        let text = match self.format {
            Format::Text => {
                text(ui, &graph)?;
                return Ok(Exit::Success);
            }
            Format::Mermaid => mermaid(&graph)?,
            Format::Dot => dot(&graph)?,
        };
        crate::ui::stdout_raw(&crate::ui::escape(&text));
        Ok(Exit::Success)
    }
}

/// The graph of the realm (of one domain with `only`): every domain's members
/// found here, for the header, before any is printed.
pub fn build<'a>(
    snapshot: &'a Snapshot<'a>,
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
    let known: HashSet<&str> = registered.iter().map(Name::as_str).collect();
    let mut unregistered = Vec::new();
    let mut domains = Vec::with_capacity(names.len());
    for name in names {
        let mut note_members = |members: &mut dyn Iterator<Item = &str>| {
            let others = members.filter(|m| !known.contains(m));
            unregistered.extend(others.map(str::to_owned));
        };
        // A domain the cache knows: only its members now (its line is parsed as
        // it is printed); any other is read from the tree, with its errors.
        let read = match snapshot.domain_members(&name) {
            Some(members) => {
                note_members(&mut members.into_iter());
                None
            }
            None => {
                let read = snapshot.read_domain_facts(&name, "domain")?;
                note_members(&mut read.members.iter().map(|m| read.str(*m)));
                Some(read)
            }
        };
        domains.push((name, read));
    }
    unregistered.sort_unstable();
    unregistered.dedup();
    Ok(Graph {
        realm: realm.to_owned(),
        snapshot,
        domains,
        registered,
        unregistered,
        failure: Default::default(),
    })
}

/// The text graph, written to stdout as it is made.
fn text(ui: &Ui, g: &Graph) -> Result<()> {
    let mut out = ui.stdout_text();
    let header = format!(
        "Realm '{}': {} repos, {} domains",
        g.realm,
        g.repo_count(),
        g.domains.len()
    );
    out.push_all(&[&ui.paint(&header, Paint::Bold), "\n"]);
    g.each_domain(|d| {
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
    })?;
    out.finish();
    Ok(())
}

fn id(name: &str) -> String {
    name.replace('-', "_")
}

fn mermaid(g: &Graph) -> Result<String> {
    let mut out = String::from("graph LR\n");
    for r in g.repos() {
        out.push_str(&format!("  {}[\"{r}\"]\n", id(r)));
    }
    g.each_domain(|d| {
        let name = d.str(d.name);
        out.push_str(&format!(
            "  subgraph {}[\"{name}\"]\n",
            id(&format!("domain-{name}")),
        ));
        for m in &d.members {
            out.push_str(&format!("    {}\n", id(d.str(*m))));
        }
        out.push_str("  end\n");
    })?;
    g.each_domain(|d| {
        for e in edges_of(d) {
            out.push_str(&format!(
                "  {} -->|\"{}/{}@{}\"| {}\n",
                id(e.from),
                e.domain,
                e.contract,
                e.version,
                id(e.to)
            ));
        }
    })?;
    Ok(out)
}

fn dot(g: &Graph) -> Result<String> {
    let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n", g.realm);
    for r in g.repos() {
        out.push_str(&format!("  \"{r}\" [shape=box];\n"));
    }
    g.each_domain(|d| {
        out.push_str(&format!(
            "  subgraph \"cluster_{0}\" {{\n    label=\"{0}\";\n",
            d.str(d.name)
        ));
        for m in &d.members {
            out.push_str(&format!("    \"{}\";\n", d.str(*m)));
        }
        out.push_str("  }\n");
    })?;
    g.each_domain(|d| {
        for e in edges_of(d) {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\" [label=\"{}/{}@{} ({})\"];\n",
                e.from, e.to, e.domain, e.contract, e.version, e.requirement
            ));
        }
    })?;
    out.push_str("}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Actor, OpKind, Operation};
    use crate::store::Edits;
    use crate::store::memory::MemoryRealm;

    /// Files written as they are, as a hand-edited realm holds them.
    struct Put(Vec<(&'static str, String)>);

    impl Operation for Put {
        type Output = ();
        fn kind(&self) -> OpKind {
            OpKind::CreateRealm
        }
        fn actor(&self) -> Actor {
            Actor::Realm("letemcook".parse().unwrap())
        }
        fn subject(&self) -> String {
            "by hand".into()
        }
        fn apply(&mut self, _: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
            for (path, text) in &self.0 {
                edits.put_bytes(path, text.as_bytes().to_vec());
            }
            Ok(())
        }
    }

    fn domain(name: &str, members: &[&str]) -> String {
        format!(
            "name: {name}\nmembers: [{}]\ncreated_at: 2024-01-01T00:00:00Z\n",
            members.join(", ")
        )
    }

    #[test]
    fn repos_are_the_registered_ones_and_every_other_member_once() {
        let realm = MemoryRealm::new();
        let files = vec![
            ("repos/b.yaml", "name: b\n".to_owned()),
            ("repos/a.yaml", "name: a\n".to_owned()),
            ("domains/d/domain.yaml", domain("d", &["b", "ghost"])),
            ("domains/e/domain.yaml", domain("e", &["zed", "ghost", "a"])),
        ];
        let store = Store::with(realm.member());
        store.update(&mut Put(files)).unwrap();
        store.fetch().unwrap();
        let snapshot = store.snapshot().unwrap();

        let all = build(&snapshot, "letemcook", None).unwrap();
        assert_eq!(all.repo_count(), 4);
        assert_eq!(all.repos(), ["a", "b", "ghost", "zed"]);
        let mut seen = Vec::new();
        all.each_domain(|f| seen.push((f.str(f.name).to_owned(), f.members.len())))
            .unwrap();
        assert_eq!(seen, [("d".to_owned(), 2), ("e".to_owned(), 3)]);

        // One domain: its members only, registered or not.
        let one = build(&snapshot, "letemcook", Some(&"d".parse().unwrap())).unwrap();
        assert_eq!(one.repos(), ["b", "ghost"]);
        let json = serde_json::to_value(&one).unwrap();
        assert_eq!(json["repos"], serde_json::json!(["b", "ghost"]));
        assert_eq!(
            json["domains"][0]["members"],
            serde_json::json!(["b", "ghost"])
        );
    }
}

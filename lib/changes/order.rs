//! The merge order of a change: providers before consumers, by the contracts of
//! the change's domains; a cycle is an error that names it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::contracts;
use crate::error::{Error, Result};
use crate::model::{ChangeFile, Name};
use crate::store::Snapshot;

/// `provider` exports contracts that `consumer` imports: it must merge first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub provider: Name,
    pub consumer: Name,
    /// `domain/contract`, sorted.
    pub contracts: Vec<String>,
}

/// The provider → consumer edges between the repos of `change`, through the
/// contracts of its domains (all domains when it names none).
pub fn dependencies(snapshot: &Snapshot<'_>, change: &ChangeFile) -> Result<Vec<Dependency>> {
    let in_scope = |d: &Name| change.domains.is_empty() || change.domains.contains(d);
    let mut providers: BTreeMap<(Name, Name), Name> = BTreeMap::new();
    let mut imports: Vec<(Name, Name, Name)> = Vec::new(); // (domain, contract, consumer)
    for repo in &change.repos {
        for (domain, binding) in contracts::bindings_of(snapshot, repo)? {
            if !in_scope(&domain) {
                continue;
            }
            for e in &binding.exports {
                providers.insert((domain.clone(), e.contract.clone()), repo.clone());
            }
            for i in &binding.imports {
                imports.push((domain.clone(), i.contract.clone(), repo.clone()));
            }
        }
    }
    let mut edges: BTreeMap<(Name, Name), BTreeSet<String>> = BTreeMap::new();
    for (domain, contract, consumer) in imports {
        if let Some(provider) = providers.get(&(domain.clone(), contract.clone()))
            && provider != &consumer
        {
            edges
                .entry((provider.clone(), consumer))
                .or_default()
                .insert(format!("{domain}/{contract}"));
        }
    }
    Ok(edges
        .into_iter()
        .map(|((provider, consumer), contracts)| Dependency {
            provider,
            consumer,
            contracts: contracts.into_iter().collect(),
        })
        .collect())
}

/// Providers before consumers (a topological sort; ties by name, so the order is
/// the same on every machine). A cycle is bad input (exit 2) and is named.
pub fn merge_order(repos: &[Name], deps: &[Dependency]) -> Result<Vec<Name>> {
    let mut indegree: BTreeMap<&Name, usize> = repos.iter().map(|r| (r, 0)).collect();
    for d in deps {
        if let Some(n) = indegree.get_mut(&d.consumer) {
            *n += 1;
        }
    }
    let mut ready: BTreeSet<&Name> = indegree
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(r, _)| *r)
        .collect();
    let mut order = Vec::new();
    while let Some(next) = ready.pop_first() {
        order.push(next.clone());
        indegree.remove(next);
        for d in deps.iter().filter(|d| &d.provider == next) {
            if let Some(n) = indegree.get_mut(&d.consumer) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(&d.consumer);
                }
            }
        }
    }
    if indegree.is_empty() {
        return Ok(order);
    }
    let remaining: BTreeSet<&Name> = indegree.keys().copied().collect();
    let cycle = find_cycle(&remaining, deps);
    let text = cycle
        .iter()
        .map(Name::as_str)
        .collect::<Vec<_>>()
        .join(" → ");
    let mut err = Error::usage(format!(
        "no merge order: the change's repos depend on each other in a cycle: {text}"
    ));
    for pair in cycle.windows(2) {
        if let Some(d) = deps
            .iter()
            .find(|d| d.provider == pair[0] && d.consumer == pair[1])
        {
            err = err.hint(format!(
                "{} provides {} to {}",
                d.provider,
                d.contracts.join(", "),
                d.consumer
            ));
        }
    }
    Err(err.hint("break the cycle (one contract must not depend on the other) or split the change"))
}

/// A cycle among `remaining` (every one of them has a provider among them): walk
/// from the smallest name to a provider, again and again, until a repo repeats.
fn find_cycle(remaining: &BTreeSet<&Name>, deps: &[Dependency]) -> Vec<Name> {
    let Some(start) = remaining.first() else {
        return Vec::new();
    };
    let mut path: Vec<&Name> = vec![start];
    loop {
        let here = *path.last().expect("the path is never empty");
        let provider = deps
            .iter()
            .filter(|d| &d.consumer == here && remaining.contains(&d.provider))
            .map(|d| &d.provider)
            .min()
            .expect("a repo left by the sort has a provider left too");
        if let Some(pos) = path.iter().position(|p| *p == provider) {
            // path[pos..] walks consumers → providers; reverse for provider → consumer.
            let mut cycle: Vec<Name> = path[pos..].iter().rev().map(|n| (*n).clone()).collect();
            let min = cycle
                .iter()
                .enumerate()
                .min_by_key(|(_, n)| *n)
                .map(|(i, _)| i)
                .unwrap_or(0);
            cycle.rotate_left(min);
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(provider);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn dep(p: &str, c: &str) -> Dependency {
        Dependency {
            provider: n(p),
            consumer: n(c),
            contracts: vec![format!("d/{p}-{c}")],
        }
    }

    #[test]
    fn providers_come_first_and_ties_go_by_name() {
        let repos = [n("fungal"), n("aperture"), n("zeta"), n("beta")];
        let order = merge_order(
            &repos,
            &[dep("zeta", "aperture"), dep("aperture", "fungal")],
        )
        .unwrap();
        let order: Vec<&str> = order.iter().map(Name::as_str).collect();
        assert_eq!(order, ["beta", "zeta", "aperture", "fungal"]);
    }

    #[test]
    fn a_cycle_is_named() {
        let repos = [n("a"), n("b"), n("c"), n("x")];
        let err = merge_order(
            &repos,
            &[dep("a", "b"), dep("b", "c"), dep("c", "a"), dep("x", "a")],
        )
        .unwrap_err();
        assert_eq!(err.exit, crate::Exit::Usage);
        assert!(err.message.contains("a → b → c → a"), "{}", err.message);
        let err = merge_order(&repos[..2], &[dep("b", "a"), dep("a", "b")]).unwrap_err();
        assert!(err.message.contains("a → b → a"), "{}", err.message);
    }
}

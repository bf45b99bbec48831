//! What the coordinated-change commands (`worktree`, `commit`, `push`, `pr`) share:
//! finding the change the user is in, where each repo's checkout and worktree are on
//! this machine, the merge order of a change, and running work on many repos at once.
//! Not a command itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::contracts;
use crate::error::{Error, Result};
use crate::index;
use crate::membership;
use crate::model::{self, ChangeFile, Email, Name};
use crate::store::{Snapshot, Store};
use crate::ui::{Paint, Ui};

/// The directory, inside each repo's checkout, that holds the worktrees of changes.
pub const WORKTREES_DIR: &str = ".worktrees";

/// Names that `git realm worktree` reads as subcommands, so no change may bear them.
pub const RESERVED: [&str; 2] = ["list", "remove"];

/// At most this many repos are worked on at once (each runs git processes).
const MAX_PARALLEL: usize = 16;

/// `<checkout>/.worktrees/<change>`.
pub fn worktree_path(checkout: &Path, change: &Name) -> PathBuf {
    checkout.join(WORKTREES_DIR).join(change.as_str())
}

/// The main working tree of `repo` (the one `.worktrees/` lives in), also when
/// `repo` is one of its linked worktrees; a bare repository's own directory.
pub fn main_checkout(repo: &gix::Repository) -> PathBuf {
    let common = repo.common_dir();
    let common = std::fs::canonicalize(common).unwrap_or_else(|_| common.to_owned());
    match (common.file_name(), common.parent()) {
        (Some(name), Some(parent)) if name == ".git" => parent.to_owned(),
        _ => common,
    }
}

/// The current worktree's directory, canonical.
pub fn current_workdir(repo: &gix::Repository) -> Option<PathBuf> {
    let dir = repo.workdir()?;
    Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned()))
}

/// The current branch of `repo`.
fn current_branch(repo: &gix::Repository) -> Option<String> {
    let name = repo.head_name().ok()??;
    let full = name.as_bstr().to_string();
    full.strip_prefix("refs/heads/").map(str::to_owned)
}

/// The user's e-mail, as git would record it in a commit.
pub fn identity_email(repo: &gix::Repository) -> Result<Email> {
    let sig = repo.committer().and_then(|s| s.ok()).ok_or_else(|| {
        Error::usage("your git identity is not configured, and changes are recorded with it")
            .hint("run `git config --global user.email you@example.com`")
    })?;
    sig.email
        .to_string()
        .parse()
        .map_err(|e| Error::usage(format!("git config user.email: {e}")))
}

/// Refuse branch names git would refuse, and ones that read as options.
pub fn check_branch(flag: &str, branch: &str) -> Result<()> {
    if branch.starts_with('-')
        || branch.starts_with("refs/")
        || gix::validate::reference::name_partial(branch.into()).is_err()
    {
        return Err(Error::usage(format!(
            "{flag} {branch}: not a valid branch name"
        )));
    }
    Ok(())
}

/// The ✓ ⚠ ❌ markers, for lines nested under a heading.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Ok,
    Warn,
    Bad,
}

/// `<indent>✓ text` (nothing with `--json` or `-q`).
pub fn item(ui: &Ui, indent: usize, mark: Mark, text: impl AsRef<str>) {
    let (symbol, paint) = match mark {
        Mark::Ok => ("✓", Paint::Green),
        Mark::Warn => ("⚠", Paint::Yellow),
        Mark::Bad => ("❌", Paint::Red),
    };
    ui.line(format!(
        "{:indent$}{} {}",
        "",
        ui.paint(symbol, paint),
        text.as_ref()
    ));
}

/// Quote `s` for a POSIX shell, so printed commands can be pasted as they are.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@,+%^".contains(&b));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r#"'\''"#))
    }
}

/// Run `f` on every item, several at once, and return the results in item order.
/// Workers are scoped threads: `f` may borrow, but must not share a
/// `gix::Repository` (open one per item instead).
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..items.len().clamp(1, MAX_PARALLEL) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    results.lock().expect("no worker panicked")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

/// Where the member repos of one realm are checked out on this machine: the
/// index (kept by `join` and `worktree --clone`), and this repository itself.
#[derive(Debug, Clone)]
pub struct Checkouts {
    me: Name,
    mine: PathBuf,
    recorded: BTreeMap<Name, PathBuf>,
}

impl Checkouts {
    pub fn load(repo: &gix::Repository, realm: &Name, me: &Name) -> Result<Checkouts> {
        let idx = index::load()?;
        let recorded = idx
            .realm(realm.as_str())
            .map(|r| {
                r.checkouts
                    .iter()
                    .map(|c| (c.repo.clone(), c.path.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Checkouts {
            me: me.clone(),
            mine: main_checkout(repo),
            recorded,
        })
    }

    /// The checkout of `repo`, if there is one on disk.
    pub fn get(&self, repo: &Name) -> Option<PathBuf> {
        if repo == &self.me {
            return Some(self.mine.clone());
        }
        self.recorded.get(repo).filter(|p| p.is_dir()).cloned()
    }

    /// Why `repo` has no checkout, for messages.
    pub fn missing_reason(&self, repo: &Name) -> String {
        match self.recorded.get(repo) {
            Some(p) => format!(
                "no local checkout (the index says {}, which no longer exists)",
                p.display()
            ),
            None => "no local checkout known to the index".to_owned(),
        }
    }

    /// This repository's own checkout.
    pub fn mine(&self) -> &Path {
        &self.mine
    }

    pub fn set(&mut self, repo: &Name, path: &Path) {
        self.recorded.insert(repo.clone(), path.to_owned());
    }
}

/// Every change of the realm.
pub fn all_changes(snapshot: &Snapshot<'_>) -> Result<Vec<ChangeFile>> {
    let mut out = Vec::new();
    for id in snapshot.doc_names(model::paths::CHANGES)? {
        out.push(snapshot.require::<ChangeFile>(&model::paths::change(id.as_str()), "change")?);
    }
    Ok(out)
}

/// The change's repos a command acts on: all, or those `--repos` names.
pub fn select_repos(change: &ChangeFile, only: &[Name]) -> Result<Vec<Name>> {
    for r in only {
        if !change.repos.contains(r) {
            return Err(Error::usage(format!(
                "--repos {r}: '{r}' does not take part in change '{}' (its repos: {})",
                change.id,
                join(&change.repos)
            )));
        }
    }
    Ok(change
        .repos
        .iter()
        .filter(|r| only.is_empty() || only.contains(r))
        .cloned()
        .collect())
}

pub fn join(names: &[Name]) -> String {
    names
        .iter()
        .map(Name::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A command acting on the change the user is working in.
pub struct Session<'r> {
    pub repo: &'r gix::Repository,
    pub realm: Name,
    pub realm_url: String,
    pub me: Name,
    pub store: Store<'r>,
    pub change: ChangeFile,
    pub checkouts: Checkouts,
}

impl<'r> Session<'r> {
    /// The change named by `--change`, else the one whose branch is checked out
    /// here, else the one whose `.worktrees/<change>` directory we are in. The local
    /// realm copy is tried first; the realm is fetched only when it does not know.
    pub fn open(
        repo: &'r gix::Repository,
        realm: Option<&Name>,
        explicit: Option<&Name>,
    ) -> Result<Session<'r>> {
        let (m, me) = membership::one(repo, realm)?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let change = match locate(repo, &store.snapshot()?, &me, explicit)? {
            Some(c) => c,
            None => {
                store.fetch()?;
                locate(repo, &store.snapshot()?, &me, explicit)?
                    .ok_or_else(|| not_found(repo, &m.realm, &me, explicit))?
            }
        };
        let checkouts = Checkouts::load(repo, &m.realm, &me)?;
        Ok(Session {
            repo,
            realm: m.realm,
            realm_url: m.url,
            me,
            store,
            change,
            checkouts,
        })
    }

    /// Fetch the realm and re-read the change: for commands that talk to the
    /// network anyway and must see what teammates recorded (PRs).
    pub fn refresh(&mut self) -> Result<()> {
        self.store.fetch()?;
        let path = model::paths::change(self.change.id.as_str());
        self.change = self
            .store
            .snapshot()?
            .require::<ChangeFile>(&path, "the change")?;
        Ok(())
    }

    /// The worktree of `repo` for this change: the one we are in (for this repo),
    /// else `<checkout>/.worktrees/<change>`. `Err` says why there is none.
    pub fn worktree(&self, repo: &Name) -> std::result::Result<PathBuf, String> {
        if repo == &self.me
            && let Some(dir) = current_workdir(self.repo)
            && current_branch(self.repo).as_deref() == Some(self.change.branch.as_str())
        {
            return Ok(dir);
        }
        let checkout = self
            .checkouts
            .get(repo)
            .ok_or_else(|| self.checkouts.missing_reason(repo))?;
        let path = worktree_path(&checkout, &self.change.id);
        if !path.is_dir() {
            return Err(format!(
                "no worktree at {} (run `git realm worktree {}`)",
                path.display(),
                self.change.id
            ));
        }
        Ok(path)
    }
}

fn locate(
    repo: &gix::Repository,
    snapshot: &Snapshot<'_>,
    me: &Name,
    explicit: Option<&Name>,
) -> Result<Option<ChangeFile>> {
    if let Some(id) = explicit {
        return snapshot.read::<ChangeFile>(&model::paths::change(id.as_str()));
    }
    let branch = current_branch(repo);
    let mine: Vec<ChangeFile> = all_changes(snapshot)?
        .into_iter()
        .filter(|c| c.repos.contains(me))
        .collect();
    let by_branch: Vec<&ChangeFile> = mine
        .iter()
        .filter(|c| Some(c.branch.as_str()) == branch.as_deref())
        .collect();
    if let [one] = by_branch.as_slice() {
        return Ok(Some((*one).clone()));
    }
    // `<checkout>/.worktrees/<change>`: the directory names the change.
    if let Some(dir) = current_workdir(repo)
        && dir.parent().and_then(Path::file_name) == Some(WORKTREES_DIR.as_ref())
        && let Some(name) = dir.file_name().and_then(|n| n.to_str())
        && let Some(found) = mine.iter().find(|c| c.id == name)
    {
        return Ok(Some(found.clone()));
    }
    if by_branch.len() > 1 {
        let ids: Vec<&str> = by_branch.iter().map(|c| c.id.as_str()).collect();
        return Err(Error::usage(format!(
            "branch '{}' belongs to several changes ({}): say which with --change CHANGE",
            branch.unwrap_or_default(),
            ids.join(", ")
        )));
    }
    Ok(None)
}

fn not_found(repo: &gix::Repository, realm: &Name, me: &Name, explicit: Option<&Name>) -> Error {
    if let Some(id) = explicit {
        return Error::usage(format!(
            "--change {id}: realm '{realm}' has no change '{id}' (changes/{id}.yaml is missing)"
        ))
        .hint(format!("start it with `git realm worktree {id}`"));
    }
    let here = match current_branch(repo) {
        Some(b) => format!("branch '{b}'"),
        None => "a detached HEAD".to_owned(),
    };
    Error::usage(format!(
        "not inside a worktree of a change: this worktree is on {here}, which is no change of realm '{realm}' that {me} takes part in"
    ))
    .hint("run it from a worktree made by `git realm worktree CHANGE`, or name the change with --change CHANGE")
    .hint("`git realm worktree list` shows the changes this repository takes part in")
}

// ---------------------------------------------------------------------------
// Merge order
// ---------------------------------------------------------------------------

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

    #[test]
    fn quoting_for_the_shell() {
        assert_eq!(shell_quote("feat/x"), "feat/x");
        assert_eq!(shell_quote("feat: it's"), r#"'feat: it'\''s'"#);
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn parallel_keeps_the_order() {
        let items: Vec<u32> = (0..40).collect();
        assert_eq!(
            parallel(&items, |i| i * 2),
            (0..40).map(|i| i * 2).collect::<Vec<_>>()
        );
    }
}

//! Trust between teams: who owns each realm file, and whether a range of realm
//! commits respects the realm's trust level (`realm.yaml` `trust`).
//!
//! - `open`: anything goes (realms made before trust levels read as open);
//! - `owners`: the author of each commit is a maintainer of every file it changes,
//!   as the state *before* the commit says (so nobody makes themselves an owner and
//!   writes in the same commit). Owners: `realm.yaml`, `.github/` (a realm hosted
//!   on GitHub) and anything outside the realm layout → the approvers, except that
//!   anyone's commit may change `.github/CODEOWNERS` to exactly what
//!   [`codeowners::render`] makes of the commit's own state (git-realm's writes
//!   that change maintainers regenerate it); `repos/<r>.yaml` and `domains/*/bindings/<r>.yaml`
//!   → the maintainers of r (a new `repos/<r>.yaml` → the maintainers it lists: its
//!   joiner; admission by approval is the approvers' merge, which the server or
//!   the forge's branch protection enforces); a contract → the maintainers of its provider; `domain.yaml` →
//!   the maintainers of any member; `changes/<id>.yaml` → the maintainers of any
//!   participant. A merge commit must be made by an approver; what it brings in is
//!   judged commit by commit.
//! - `signed`: as `owners`, and each commit carries a signature that git verifies
//!   with a key recorded for its author in the files it changes (approvers' keys
//!   in `realm.yaml` for merges and `realm.yaml` itself).
//!
//! Every commit is judged against its own parent's state and trust level, so the
//! check is incremental: a member verifies only what a fetch brings.

pub mod codeowners;

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::git;
use crate::model::{
    self, ChangeFile, ContractFile, DomainFile, MaintainerKey, RealmFile, RepoFile, Trust,
};
use crate::store::{Snapshot, history};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub commit: String,
    pub author: String,
    pub file: String,
    pub rule: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commit {} by {}: {}: {}",
            &self.commit[..self.commit.len().min(7)],
            self.author,
            self.file,
            self.rule
        )
    }
}

/// Who may change a file: e-mails, and the keys recorded for them.
#[derive(Debug, Default, Clone)]
struct Owners {
    who: String,
    emails: BTreeSet<String>,
    keys: Vec<MaintainerKey>,
}

impl Owners {
    fn add_repo(&mut self, file: &RepoFile) {
        self.emails.extend(
            file.maintainers
                .iter()
                .map(|e| e.as_str().to_ascii_lowercase()),
        );
        self.keys.extend(file.keys.iter().cloned());
    }
    fn approvers(realm: &RealmFile) -> Owners {
        Owners {
            who: "the realm's approvers".into(),
            emails: realm
                .governance
                .approvers
                .iter()
                .map(|e| e.as_str().to_ascii_lowercase())
                .collect(),
            keys: realm.governance.keys.clone(),
        }
    }
    fn keys_of(&self, email: &str) -> BTreeSet<String> {
        self.keys
            .iter()
            .filter(|k| k.email.as_str().eq_ignore_ascii_case(email))
            .map(|k| k.key.as_str().to_owned())
            .collect()
    }
}

/// Verify every commit reachable from `to` and not from `from`.
pub fn verify_range(
    repo: &gix::Repository,
    from: Option<ObjectId>,
    to: ObjectId,
) -> Result<Vec<Violation>> {
    let mut out = Vec::new();
    let mut policy = Policy::default();
    for id in history::commits(repo, from, to)? {
        out.extend(verify_commit(repo, id, &mut policy)?);
    }
    out.sort_by(|a, b| (&a.commit, &a.file).cmp(&(&b.commit, &b.file)));
    Ok(out)
}

/// The trust level the realm had at `commit` (open when it cannot be read).
pub fn level_at(repo: &gix::Repository, commit: ObjectId) -> Trust {
    history::state(repo, commit)
        .and_then(|s| s.realm())
        .map(|r| r.trust)
        .unwrap_or_default()
}

/// The realm's `realm.yaml` as last parsed, for the next commit to verify: a
/// member that fetches many commits reads the same file for most of them.
#[derive(Default)]
struct Policy(Option<(Vec<u8>, Option<RealmFile>)>);

impl Policy {
    /// `state`'s `realm.yaml`, parsed (`None`: it cannot be read or is invalid).
    fn of(&mut self, state: &Snapshot<'_>) -> Option<RealmFile> {
        let bytes = state.read_bytes(model::paths::REALM).ok().flatten();
        if let (Some((seen, realm)), Some(bytes)) = (&self.0, &bytes)
            && seen == bytes
        {
            return realm.clone();
        }
        let realm = state.realm().ok();
        if let Some(bytes) = bytes {
            self.0 = Some((bytes, realm.clone()));
        }
        realm
    }
}

fn verify_commit(
    repo: &gix::Repository,
    id: ObjectId,
    policy: &mut Policy,
) -> Result<Vec<Violation>> {
    let c = history::commit(repo, id)?;
    let author = c.author_email.to_ascii_lowercase();
    let v = |file: &str, rule: String| Violation {
        commit: id.to_string(),
        author: c.author_email.clone(),
        file: file.to_owned(),
        rule,
    };
    let Some(&parent) = c.parents.first() else {
        // The first commit creates the realm: its creator is its first approver.
        let Ok(realm) = history::state(repo, id)?.realm() else {
            return Ok(vec![v(
                model::paths::REALM,
                "the first commit has no valid realm.yaml".into(),
            )]);
        };
        if realm.trust == Trust::Signed {
            return Ok(
                signature(repo, &c, &Owners::approvers(&realm), model::paths::REALM)
                    .into_iter()
                    .map(|rule| v(model::paths::REALM, rule))
                    .collect(),
            );
        }
        return Ok(Vec::new());
    };
    let before = history::state(repo, parent)?;
    let Some(realm) = policy.of(&before) else {
        return Ok(Vec::new()); // a malformed state is reported by the file checks
    };
    if realm.trust == Trust::Open {
        return Ok(Vec::new());
    }
    let after = history::state(repo, id)?;
    let approvers = Owners::approvers(&realm);
    let mut out = Vec::new();
    if c.parents.len() > 1 {
        if !approvers.emails.contains(&author) {
            out.push(v(
                "(merge)",
                "only an approver merges into the realm".into(),
            ));
        } else if realm.trust == Trust::Signed {
            out.extend(
                signature(repo, &c, &approvers, "(merge)")
                    .into_iter()
                    .map(|r| v("(merge)", r)),
            );
        }
        return Ok(out);
    }
    let mut keys: Option<BTreeSet<String>> = None;
    for file in history::changed_files(repo, Some(parent), id)? {
        if file == model::paths::CODEOWNERS && !approvers.emails.contains(&author) {
            // Regenerated by a write that changed maintainers: only the text the
            // commit's own state generates is anyone's to write.
            match codeowners::render(&after) {
                Ok(text)
                    if after.read_bytes(&file).ok().flatten().as_deref()
                        == Some(text.as_bytes()) =>
                {
                    continue;
                }
                Ok(_) => out.push(v(
                    &file,
                    format!(
                        "owners: {} is not among its owners (the realm's approvers), and it is not what git-realm generates from this commit's repos/*.yaml and realm.yaml",
                        c.author_email
                    ),
                )),
                Err(e) => out.push(v(
                    &file,
                    format!(
                        "owners: {} is not among its owners (the realm's approvers), and it cannot be generated from this commit's state: {}",
                        c.author_email, e.message
                    ),
                )),
            }
            continue;
        }
        let owners = owners_of(&file, &before, &after, &realm);
        if !owners.emails.contains(&author) {
            out.push(v(
                &file,
                format!(
                    "owners: {} is not among its owners ({})",
                    c.author_email, owners.who
                ),
            ));
            continue;
        }
        let mine = owners.keys_of(&author);
        keys = Some(match keys {
            None => mine,
            Some(k) => k.intersection(&mine).cloned().collect(),
        });
    }
    if out.is_empty() && realm.trust == Trust::Signed {
        let owners = Owners {
            who: "its owners".into(),
            emails: BTreeSet::from([author.clone()]),
            // Only a regenerated CODEOWNERS changed: any key recorded for the author.
            keys: keys
                .unwrap_or_else(|| any_keys_of(&before, &approvers, &author))
                .into_iter()
                .filter_map(|k| {
                    Some(MaintainerKey {
                        email: c.author_email.parse().ok()?,
                        key: k.parse().ok()?,
                    })
                })
                .collect(),
        };
        out.extend(
            signature(repo, &c, &owners, "(commit)")
                .into_iter()
                .map(|r| v("(signature)", r)),
        );
    }
    Ok(out)
}

/// Every key recorded for `email` in the state `before`, by the approvers or any
/// repository.
fn any_keys_of(before: &Snapshot<'_>, approvers: &Owners, email: &str) -> BTreeSet<String> {
    let mut all = approvers.clone();
    for name in before.doc_names(model::paths::REPOS).unwrap_or_default() {
        repo_owners(name.as_str(), before, before, &mut all);
    }
    all.keys_of(email)
}

/// What is wrong with `c`'s signature, given who may sign for `what`.
fn signature(
    repo: &gix::Repository,
    c: &history::RealmCommit,
    owners: &Owners,
    what: &str,
) -> Option<String> {
    let keys: Vec<(String, String)> = owners
        .keys_of(&c.author_email)
        .into_iter()
        .map(|k| (c.author_email.clone(), k))
        .collect();
    if !git::signing::is_signed(repo, c.id).unwrap_or(false) {
        return Some(format!("signed: the commit is not signed ({what})"));
    }
    if keys.is_empty() {
        return Some(format!(
            "signed: no signing key is recorded for {} ({what})",
            c.author_email
        ));
    }
    match git::signing::verified_by(repo, c.id, &keys) {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "signed: the signature is not made by a key recorded for {} ({what})",
            c.author_email
        )),
        Err(e) => Some(format!(
            "signed: cannot verify the signature: {}",
            e.message
        )),
    }
}

fn repo_owners(name: &str, before: &Snapshot<'_>, after: &Snapshot<'_>, into: &mut Owners) {
    let path = model::paths::repo(name);
    let file = before
        .read::<RepoFile>(&path)
        .ok()
        .flatten()
        .or_else(|| after.read::<RepoFile>(&path).ok().flatten());
    if let Some(f) = file {
        into.add_repo(&f);
    }
}

fn owners_of(path: &str, before: &Snapshot<'_>, after: &Snapshot<'_>, realm: &RealmFile) -> Owners {
    let parts: Vec<&str> = path.split('/').collect();
    let either = |p: &str| -> (Option<Vec<u8>>, bool) {
        match before.read_bytes(p).ok().flatten() {
            Some(b) => (Some(b), true),
            None => (after.read_bytes(p).ok().flatten(), false),
        }
    };
    let mut o = Owners::default();
    match parts.as_slice() {
        ["repos", file] if file.ends_with(".yaml") => {
            let name = model::stem(path);
            o.who = format!("the maintainers of {name}");
            let existed = before.exists(path).unwrap_or(false);
            if existed {
                repo_owners(name, before, after, &mut o);
            } else if let Ok(Some(f)) = after.read::<RepoFile>(path) {
                o.who = format!("its joiner, {}", join_emails(&f));
                o.add_repo(&f);
            }
        }
        ["domains", _, "bindings", _] => {
            let name = model::stem(path);
            o.who = format!("the maintainers of {name}");
            repo_owners(name, before, after, &mut o);
        }
        ["domains", _, "contracts", _] => {
            let (bytes, _) = either(path);
            if let Some(c) = bytes.and_then(|b| model::parse::<ContractFile>(path, &b).ok()) {
                o.who = format!("the maintainers of its provider {}", c.owner);
                repo_owners(c.owner.as_str(), before, after, &mut o);
            }
        }
        ["domains", _, "domain.yaml"] => {
            let (bytes, _) = either(path);
            if let Some(d) = bytes.and_then(|b| model::parse::<DomainFile>(path, &b).ok()) {
                o.who = "the maintainers of its members".into();
                for m in &d.members {
                    repo_owners(m.as_str(), before, after, &mut o);
                }
            }
        }
        ["changes", _] => {
            let (bytes, _) = either(path);
            if let Some(c) = bytes.and_then(|b| model::parse::<ChangeFile>(path, &b).ok()) {
                o.who = "the maintainers of its participants".into();
                for r in &c.repos {
                    repo_owners(r.as_str(), before, after, &mut o);
                }
            }
        }
        [".github", ..] => {
            o = Owners::approvers(realm);
            o.who = "the realm's approvers, who own its GitHub setup".into();
        }
        _ => o = Owners::approvers(realm),
    }
    if o.emails.is_empty() {
        // Nobody can be told from the files (a malformed owner file, a contract
        // without a readable provider): the approvers decide.
        let who = if o.who.is_empty() {
            "its owners cannot be read".to_owned()
        } else {
            format!("{}: none can be read", o.who)
        };
        o = Owners::approvers(realm);
        o.who = format!("{who}, so the realm's approvers");
    }
    o
}

fn join_emails(f: &RepoFile) -> String {
    let v: Vec<&str> = f.maintainers.iter().map(|e| e.as_str()).collect();
    if v.is_empty() {
        "nobody".into()
    } else {
        v.join(", ")
    }
}

/// Every file of the state at `snapshot`, parsed and validated: `(file, error)`
/// for each that is not what the realm layout says.
pub fn check_files(snapshot: &Snapshot<'_>) -> Vec<(String, String)> {
    let mut bad = Vec::new();
    let mut check = |path: String, r: Result<()>| {
        if let Err(e) = r {
            bad.push((path, e.message));
        }
    };
    check(model::paths::REALM.into(), snapshot.realm().map(drop));
    match snapshot.doc_names(model::paths::REPOS) {
        Ok(names) => {
            for n in names {
                let p = model::paths::repo(n.as_str());
                check(p.clone(), snapshot.read::<RepoFile>(&p).map(drop));
            }
        }
        Err(e) => check(model::paths::REPOS.into(), Err(e)),
    }
    match snapshot.dir_names(model::paths::DOMAINS) {
        Ok(domains) => {
            for d in domains {
                let p = model::paths::domain(d.as_str());
                check(
                    p.clone(),
                    snapshot.require::<DomainFile>(&p, "domain").map(drop),
                );
                for (dir, kind) in [
                    (model::paths::contracts_dir(d.as_str()), "contract"),
                    (model::paths::bindings_dir(d.as_str()), "binding"),
                ] {
                    match snapshot.doc_names(&dir) {
                        Ok(names) => {
                            for n in names {
                                let p = format!("{dir}/{n}.yaml");
                                let r = if kind == "contract" {
                                    snapshot.read::<ContractFile>(&p).map(drop)
                                } else {
                                    snapshot.read::<model::BindingFile>(&p).map(drop)
                                };
                                check(p, r);
                            }
                        }
                        Err(e) => check(dir, Err(e)),
                    }
                }
            }
        }
        Err(e) => check(model::paths::DOMAINS.into(), Err(e)),
    }
    match snapshot.doc_names(model::paths::CHANGES) {
        Ok(names) => {
            for n in names {
                let p = model::paths::change(n.as_str());
                check(p.clone(), snapshot.read::<ChangeFile>(&p).map(drop));
            }
        }
        Err(e) => check(model::paths::CHANGES.into(), Err(e)),
    }
    bad
}

/// The error a member gets when a fetch brings a state that fails verification:
/// exit 3, each violation named.
pub fn refused(violations: &[Violation], url: &str) -> Error {
    let mut err = Error::conflict(format!(
        "refusing the realm state fetched from {url}: {} violation{} of its trust rules; the local copy stays where it was\n{}",
        violations.len(),
        if violations.len() == 1 { "" } else { "s" },
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    err = err.hint("`git realm verify --fetch` shows the details; the realm's approvers repair it by resetting its main branch to the last state that verified, then redoing the legitimate work (a revert leaves the bad commit in the history members check)");
    err
}

/// A short summary per commit, for JSON and the hook.
pub fn by_commit(violations: &[Violation]) -> BTreeMap<String, Vec<&Violation>> {
    let mut out: BTreeMap<String, Vec<&Violation>> = BTreeMap::new();
    for v in violations {
        out.entry(v.commit.clone()).or_default().push(v);
    }
    out
}

//! What `git realm check` judges in one realm, and the exit status it earns.
//!
//! Without a base it is the health check: every export's pending change against
//! the published contract, every import's state (exit 1 when anything is not
//! current). With a base (`--against REV`, the commit a pull request would merge
//! into) it is the pull-request gate, which answers one question: *can this
//! commit merge without breaking a consumer?* Each export is evaluated at `HEAD`
//! and at the base and the typed item diff between the two is judged per consumer
//! (the same judgement `sync` makes, `crate::contracts`): exit 0 when every
//! consumer stays unbroken, 1 when one would break or this repository's own
//! imports are broken, 3 when the realm's policy refuses the change. On a branch
//! of a coordinated change, imports are judged against the providers' values on
//! the change's branch, and consumers by what they use on it
//! (`crate::changes::consistency`), and the change's merge order is enforced
//! (`crate::changes::gate`).
//!
//! Nothing here writes to the realm. The only writes are to this repository's
//! object database: the base commit, fetched from `origin` when a shallow CI
//! clone lacks it (through a scratch ref, deleted afterwards).

use gix::ObjectId;
use serde::Serialize;

use crate::changes::{consistency, gate as order};
use crate::contracts::{self, Bump, ImportState, RealmCheck, Scope, Survey};
use crate::error::{Error, Exit, Result};
use crate::forge::Gh;
use crate::git;
use crate::model::{ContractFile, Name};
use crate::store::Snapshot;
use crate::workspace::{At, Workspace};

/// The commit a pull request is compared with.
#[derive(Debug, Clone)]
pub struct Base {
    /// As given (`origin/main`, a commit id).
    pub rev: String,
    pub commit: ObjectId,
    /// Whether it had to be fetched (a shallow clone lacked it).
    pub fetched: bool,
}

/// The gate's answer for one realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No consumer breaks (exit 0).
    Pass,
    /// A consumer would break, or this repository's imports are broken, or the
    /// change's merge order says to wait (exit 1).
    Breaks,
    /// The realm's policy refuses the change (exit 3).
    Refused,
}

impl Verdict {
    pub fn exit(self) -> Exit {
        match self {
            Verdict::Pass => Exit::Success,
            Verdict::Breaks => Exit::Attention,
            Verdict::Refused => Exit::Conflict,
        }
    }
}

/// What `check --against` compared with, and its verdict (in `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Against {
    pub rev: String,
    pub commit: String,
    pub fetched: bool,
    pub verdict: Verdict,
}

/// What to check in one realm.
pub struct Options<'a> {
    pub exports: bool,
    pub imports: bool,
    /// Today, for grace periods.
    pub today: jiff::civil::Date,
    pub base: Option<&'a Base>,
    /// The branch checked, for coordinated changes.
    pub branch: Option<&'a str>,
    /// Whether the network may be used (`--fetch`, `--against`): judging imports
    /// against a coordinated change fetches its providers' branches.
    pub network: bool,
}

/// Resolve `rev` to a commit of this repository, fetching it from `origin` (or
/// the remote `rev` names, `upstream/main`) when it is not here, as in a shallow
/// CI clone; depth 1 when the clone is shallow, so a complete one stays complete.
pub fn resolve_base(repo: &gix::Repository, rev: &str) -> Result<Base> {
    let bad = |why: &str| Error::usage(format!("--against {rev:?}: {why}"));
    if rev.is_empty()
        || rev.starts_with('-')
        || rev.contains("..")
        || rev.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad(
            "not a revision (a branch, a remote branch or a commit id)",
        ));
    }
    if let Some(commit) = git::refs::resolve_commit(repo, rev)? {
        return Ok(Base {
            rev: rev.to_owned(),
            commit,
            fetched: false,
        });
    }
    let shallow = git::refs::is_shallow(repo);
    let here = if shallow {
        "not in this shallow clone"
    } else {
        "not in this repository"
    };
    let (remote, what) = fetch_target(repo, rev).map_err(|why| {
        Error::usage(format!("--against {rev}: {here}, and {why}"))
            .hint(format!("fetch it first (`git fetch origin {rev}`), or pass a full commit id or a remote branch (origin/main)"))
    })?;
    crate::ui::progress(&format!("Fetching {what} from {remote}…"));
    let scratch = format!("refs/realm-base/{}", std::process::id());
    let depth = shallow.then_some(1);
    let fetched = git::remotes::fetch_ref(repo, &remote, &what, &scratch, depth).map_err(|e| {
        Error::external(format!(
            "--against {rev}: {here}, and it cannot be fetched from {remote}: {}",
            e.message
        ))
    })?;
    if fetched == git::remotes::Fetched::Missing {
        return Err(Error::usage(format!(
            "--against {rev}: {here}, and {remote} has no {what}"
        ))
        .hint("pass the base commit your CI provides (GitHub: github.event.pull_request.base.sha; GitLab: $CI_MERGE_REQUEST_DIFF_BASE_SHA), or a branch of origin"));
    }
    let commit = git::ref_target(repo, &scratch)?.ok_or_else(|| {
        Error::internal(format!(
            "--against {rev}: fetched from {remote}, but {scratch} is missing"
        ))
    })?;
    git::delete_ref(repo, &scratch, commit)?;
    git::refs::delete_orphaned_scratch(repo, "refs/realm-base/");
    Ok(Base {
        rev: rev.to_owned(),
        commit,
        fetched: true,
    })
}

/// Where to fetch `rev` from: a full commit id or a branch from `origin`, a
/// remote branch (`upstream/main`, `refs/remotes/upstream/main`) from its remote.
fn fetch_target(
    repo: &gix::Repository,
    rev: &str,
) -> std::result::Result<(String, String), String> {
    let is_remote = |r: &str| git::config_string(repo, &format!("remote.{r}.url")).is_some();
    let hex = !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_hexdigit());
    let (remote, what) = if hex && (rev.len() == 40 || rev.len() == 64) {
        ("origin".to_owned(), rev.to_owned())
    } else if hex && rev.len() >= 4 && rev.len() < 40 {
        return Err("an abbreviated commit id cannot be fetched: give the full one".to_owned());
    } else if let Some(rest) = rev.strip_prefix("refs/remotes/") {
        let (r, b) = rest
            .split_once('/')
            .ok_or_else(|| format!("{rev} names no branch"))?;
        (r.to_owned(), format!("refs/heads/{b}"))
    } else if let Some(b) = rev.strip_prefix("refs/heads/") {
        ("origin".to_owned(), format!("refs/heads/{b}"))
    } else if let Some((r, b)) = rev.split_once('/').filter(|(r, _)| is_remote(r)) {
        (r.to_owned(), format!("refs/heads/{b}"))
    } else if gix::validate::reference::name_partial(rev.into()).is_ok()
        && !rev.contains(['~', '^', ':', '@'])
    {
        ("origin".to_owned(), format!("refs/heads/{rev}"))
    } else {
        return Err("it is not a name that can be fetched".to_owned());
    };
    if !is_remote(&remote) {
        return Err(format!("there is no remote '{remote}' to fetch it from"));
    }
    Ok((remote, what))
}

/// Check `me` in the realm of `snapshot`.
pub fn check_realm(
    snapshot: &Snapshot<'_>,
    realm: &str,
    me: &Name,
    ws: &dyn Workspace,
    o: &Options<'_>,
    gh: impl Fn() -> Result<Gh>,
) -> Result<RealmCheck> {
    let scope = Scope {
        exports: o.exports,
        imports: o.imports,
        uncommitted: true,
        today: Some(o.today),
        against: o.base.map(|b| b.commit),
        attention_only: false,
    };
    let Survey {
        mut exports,
        mut imports,
    } = contracts::survey(snapshot, me, Some(ws), scope)?;
    let change = match o.branch {
        Some(b) => order::change_of(snapshot, me, b)?,
        None => None,
    };
    let mut proposed = consistency::Proposed::new();
    if let Some(c) = &change
        && o.imports
        && o.network
    {
        proposed = consistency::judge(snapshot, c, me, Some(ws), &mut imports, o.today)?;
    }
    if let Some(c) = &change
        && o.exports
        && o.network
    {
        consistency::judge_consumers(snapshot, c, me, &mut exports)?;
    }
    if let Some(base) = o.base {
        let realm_file = snapshot.realm()?;
        for e in &mut exports {
            e.policy = policy(&realm_file, e);
            locate(ws, base, e);
        }
        resolves(snapshot, me, ws, base, &proposed, &mut imports)?;
    }
    let change = match &change {
        Some(c) => Some(order::merge_order_of(snapshot, me, c, gh)?),
        None => None,
    };
    let mut check = RealmCheck {
        realm: realm.to_owned(),
        repo: me.to_string(),
        exports,
        imports,
        change,
        against: None,
    };
    check.against = o.base.map(|b| Against {
        rev: b.rev.clone(),
        commit: b.commit.to_string(),
        fetched: b.fetched,
        verdict: verdict(&check),
    });
    Ok(check)
}

/// Whether the realm's policy refuses what merging would publish: in a realm
/// whose breaking changes need approval, a major version is published only as a
/// proposal an approver merges (what `sync` does).
fn policy(realm: &crate::model::RealmFile, e: &contracts::ExportStatus) -> Option<String> {
    let (Some(next), Some(Bump::Major)) = (&e.next_version, e.bump) else {
        return None;
    };
    if !realm.governance.breaking_changes.require_approval {
        return None;
    }
    let approvers: Vec<&str> = realm
        .governance
        .approvers
        .iter()
        .map(|a| a.as_str())
        .collect();
    Some(format!(
        "realm '{}' requires approval for breaking changes (realm.yaml: governance.breaking_changes.require_approval), and merging would publish {}/{} {next} (major){}: propose it from this branch with `git realm sync --from-branch`; once an approver merges the proposal, this check passes",
        realm.name,
        e.domain,
        e.contract,
        if approvers.is_empty() {
            String::new()
        } else {
            format!(" — approvers: {}", approvers.join(", "))
        }
    ))
}

/// Record where each changed item of `e` was found: added and changed items at
/// `HEAD`, removed ones at the base. Best effort: an item with no place is
/// reported without one.
fn locate(ws: &dyn Workspace, base: &Base, e: &mut contracts::ExportStatus) {
    let Some(declared) = &e.declared else {
        return;
    };
    for c in &e.diff.changes {
        let (at, side) = match c.kind {
            crate::items::ChangeKind::Removed => (At::Commit(base.commit), "base"),
            _ => (At::Head, "head"),
        };
        if let Ok(Some(l)) = ws.locate(at, &declared.source, c) {
            e.locations.push(contracts::ItemLocation {
                item: c.item(),
                kind: c.kind,
                file: l.file,
                line: l.line,
                at: side,
            });
        }
    }
}

/// Mark the stale imports this commit resolves: the binding changed since the
/// base, and (with `--verify`) now provides the newest version — the published
/// one, or the one a provider's change branch would publish (`proposed`).
fn resolves(
    snapshot: &Snapshot<'_>,
    me: &Name,
    ws: &dyn Workspace,
    base: &Base,
    proposed: &consistency::Proposed,
    imports: &mut [contracts::ImportStatus],
) -> Result<()> {
    let base_id: crate::model::CommitId = base.commit.to_string().parse().map_err(Error::usage)?;
    for (domain, binding) in contracts::bindings_of(snapshot, me)? {
        for decl in &binding.imports {
            let Some(status) = imports.iter_mut().find(|i| {
                i.domain == domain.as_str()
                    && i.contract == decl.contract.as_str()
                    && i.state == ImportState::Stale
            }) else {
                continue;
            };
            let Some(latest) = status.latest_version.clone() else {
                continue;
            };
            if !decl.version.matches(&latest)
                || !ws.binding_changed(Some(&base_id), &decl.binding)?
            {
                continue;
            }
            if decl.verify.is_some() {
                let key = (domain.to_string(), decl.contract.to_string());
                let contract = match proposed.get(&key) {
                    Some(c) => c.clone(),
                    None => snapshot.require::<ContractFile>(
                        &crate::model::paths::contract(domain.as_str(), decl.contract.as_str()),
                        "contract",
                    )?,
                };
                if !contracts::verify(
                    ws,
                    decl,
                    &crate::model::paths::binding(domain.as_str(), me.as_str()),
                    &contract,
                    &status.uses,
                )?
                .is_empty()
                {
                    continue;
                }
            }
            status.resolves = Some(latest);
        }
    }
    Ok(())
}

/// The gate's verdict on a realm checked against a base.
pub fn verdict(r: &RealmCheck) -> Verdict {
    if r.exports.iter().any(|e| e.policy.is_some()) {
        return Verdict::Refused;
    }
    let breaks = r.exports.iter().any(|e| {
        e.error.is_some() || (e.next_version.is_some() && e.consumers.iter().any(|c| c.breaks))
    }) || r.imports.iter().any(|i| i.state == ImportState::Broken)
        || r.change.as_ref().is_some_and(|c| !c.waiting_on.is_empty());
    if breaks {
        Verdict::Breaks
    } else {
        Verdict::Pass
    }
}

/// The exit status a realm's check earns: the gate's verdict against a base;
/// otherwise 0 only when everything is current and nothing waits to merge.
pub fn exit(r: &RealmCheck) -> Exit {
    if let Some(a) = &r.against {
        return a.verdict.exit();
    }
    let current = r
        .exports
        .iter()
        .all(|e| e.next_version.is_none() && e.error.is_none())
        && r.imports.iter().all(|i| i.state == ImportState::Current)
        && r.change.as_ref().is_none_or(|c| c.waiting_on.is_empty());
    if current {
        Exit::Success
    } else {
        Exit::Attention
    }
}

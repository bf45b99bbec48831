//! Every kind of write the realm accepts, one named operation each.
//!
//! An operation is a value (who acts, on what) with one method, `apply`, that
//! looks at a realm snapshot and fills [`Edits`]. It decides from the snapshot
//! alone, so the store can re-apply it to a newer state when another writer
//! published first, and a dry run is the same `apply` into scratch edits.
//! Operations do no I/O: anything they need from the working tree or the network is
//! computed before and handed to them, which is what lets every one of them be
//! tested on the in-memory store.
//!
//! Each realm commit names its operation and actor in trailers (`Realm-Op: sync`,
//! `Realm-Repo: aperture`, plus operation-specific ones such as `Realm-Change`), so
//! `watch` and verification read structured data instead of parsing subjects.

mod change;
mod contracts;
mod domain;
mod init;
mod join;
mod leave;
mod lifecycle;
mod maintainers;
mod notify;
mod resolve;
mod sync;

#[cfg(test)]
mod tests;

use std::fmt;

pub use change::{RecordCommits, RecordPullRequests, StartChange};
pub use contracts::{DeclareExport, DeclareImport, ExportDeclared};
pub use domain::{AddMember, CreateDomain, require_member, require_registered};
pub use init::{CreateRealm, GithubHosting};
pub use join::{Join, Registration, find_registration, same_url};
pub use leave::{Dependent, Leave, Left};
pub use lifecycle::{
    CloseChange, Consumer, DomainContents, RemoveDomain, RemoveExport, RemoveImport,
};
pub use maintainers::EditMaintainers;
pub use notify::{
    ClaimNotifications, Claimed, NotificationKey, RecordNotifications, SentNotification,
};
pub use resolve::{Acknowledged, ResolveImport};
pub use sync::{Pending, Plan, ProposeVersion, Proposed, Published, Resolved, SyncPlan};

use crate::error::Result;
use crate::model::{self, Name};
use crate::store::{Edits, Snapshot};

/// The trailer naming the operation of a realm commit.
pub const OP_TRAILER: &str = "Realm-Op";
/// The trailer naming the repository that made a realm commit.
pub const REPO_TRAILER: &str = "Realm-Repo";

/// The kinds of realm write, as recorded in the `Realm-Op` trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpKind {
    CreateRealm,
    Join,
    Leave,
    CreateDomain,
    AddMember,
    DeclareExport,
    DeclareImport,
    Sync,
    ProposeVersion,
    RecordNotifications,
    ClaimNotifications,
    StartChange,
    RecordCommits,
    RecordPullRequests,
    EditMaintainers,
    ResolveImport,
    RemoveImport,
    RemoveExport,
    RemoveDomain,
    CloseChange,
}

impl OpKind {
    pub const ALL: &[OpKind] = &[
        OpKind::CreateRealm,
        OpKind::Join,
        OpKind::Leave,
        OpKind::CreateDomain,
        OpKind::AddMember,
        OpKind::DeclareExport,
        OpKind::DeclareImport,
        OpKind::Sync,
        OpKind::ProposeVersion,
        OpKind::RecordNotifications,
        OpKind::ClaimNotifications,
        OpKind::StartChange,
        OpKind::RecordCommits,
        OpKind::RecordPullRequests,
        OpKind::EditMaintainers,
        OpKind::ResolveImport,
        OpKind::RemoveImport,
        OpKind::RemoveExport,
        OpKind::RemoveDomain,
        OpKind::CloseChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::CreateRealm => "create-realm",
            OpKind::Join => "join",
            OpKind::Leave => "leave",
            OpKind::CreateDomain => "create-domain",
            OpKind::AddMember => "add-member",
            OpKind::DeclareExport => "declare-export",
            OpKind::DeclareImport => "declare-import",
            OpKind::Sync => "sync",
            OpKind::ProposeVersion => "propose-version",
            OpKind::RecordNotifications => "record-notifications",
            OpKind::ClaimNotifications => "claim-notifications",
            OpKind::StartChange => "start-change",
            OpKind::RecordCommits => "record-commits",
            OpKind::RecordPullRequests => "record-pull-requests",
            OpKind::EditMaintainers => "edit-maintainers",
            OpKind::ResolveImport => "resolve-import",
            OpKind::RemoveImport => "remove-import",
            OpKind::RemoveExport => "remove-export",
            OpKind::RemoveDomain => "remove-domain",
            OpKind::CloseChange => "close-change",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OpKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        OpKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown realm operation `{s}`"))
    }
}

/// Who makes a write: a member repository, or (only when a realm is created) the
/// realm itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Repo(Name),
    Realm(Name),
}

impl Actor {
    pub fn name(&self) -> &Name {
        match self {
            Actor::Repo(n) | Actor::Realm(n) => n,
        }
    }
}

/// One kind of realm write.
pub trait Operation {
    /// What applying it decided (what was published, whether it was already done…).
    type Output;

    fn kind(&self) -> OpKind;
    fn actor(&self) -> Actor;
    /// The commit subject after `<actor>: ` (an application may refine it through
    /// `Edits::subject`).
    fn subject(&self) -> String;
    /// Decide from `snapshot` alone what to change, into `edits`. Called once per
    /// attempt, each time on a newer snapshot; an error aborts the write.
    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Self::Output>;
}

/// The realm commit message of `op` after it was applied into `edits`:
/// `<actor>: <subject>`, an optional body, then the trailers.
pub fn message<O: Operation + ?Sized>(op: &O, edits: &Edits) -> String {
    let actor = op.actor();
    let subject = edits.subject.clone().unwrap_or_else(|| op.subject());
    let mut out = format!("{}: {}\n", actor.name(), one_line(&subject));
    if let Some(body) = &edits.body
        && !body.trim().is_empty()
    {
        out.push('\n');
        out.push_str(body.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&format!("{OP_TRAILER}: {}\n", op.kind()));
    if let Actor::Repo(repo) = &actor {
        out.push_str(&format!("{REPO_TRAILER}: {repo}\n"));
    }
    for (key, value) in edits.trailers() {
        out.push_str(&format!("{key}: {}\n", one_line(value)));
    }
    out
}

/// Keep the realm's `.github/CODEOWNERS` (`git realm init --github`) current: when
/// the realm has one and `edits` change anything, regenerate it from the state the
/// edits leave. The operations that change who maintains what (join, leave,
/// maintainers) call it last, so the file never lags behind a write and `verify`
/// can accept it from whoever made that write.
pub(crate) fn refresh_codeowners(snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
    if edits.is_empty() || !snapshot.exists(model::paths::CODEOWNERS)? {
        return Ok(());
    }
    write_codeowners(snapshot, edits)
}

/// Write `.github/CODEOWNERS` as generated from the state `edits` leave, unless
/// it already says that.
pub(crate) fn write_codeowners(snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
    let text = crate::trust::codeowners::render(&snapshot.with_edits(edits))?;
    let current = snapshot.read_bytes(model::paths::CODEOWNERS)?;
    if current.as_deref() != Some(text.as_bytes()) {
        edits.put_bytes(model::paths::CODEOWNERS, text.into_bytes());
    }
    Ok(())
}

/// Newlines would end a subject or a trailer early: fold them.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `Realm-*` trailers of a realm commit message, in order.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    // Trailers are the last paragraph; only `Realm-` keys are ours.
    let last = message.trim_end().rsplit("\n\n").next().unwrap_or("");
    last.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(k, _)| k.starts_with("Realm-"))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

/// The operation a realm commit message names, if any.
pub fn kind_of(message: &str) -> Option<OpKind> {
    trailers(message)
        .into_iter()
        .find(|(k, _)| k == OP_TRAILER)
        .and_then(|(_, v)| v.parse().ok())
}

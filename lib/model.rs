//! The realm model: the typed shape of every YAML file on the realm branch.
//!
//! Everything read from a realm is untrusted input. Validation happens while
//! deserialising (names, versions, urls, paths are newtypes that refuse bad values),
//! so a bad file fails with the file and the field path, never with a panic, and no
//! invalid value ever reaches a command. Serialisation is deterministic: fixed field
//! order, and lists without meaningful order are sorted by `normalize`.
//!
//! This module knows nothing about git: the store (`store.rs`) hands it bytes.

use std::fmt;

use semver::{Version, VersionReq};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The realm format this build reads and writes. A realm with a newer format is
/// refused (never rewritten by an older tool).
pub const FORMAT: u32 = 1;

/// Where each kind of file lives on the realm branch.
pub mod paths {
    pub const REALM: &str = "realm.yaml";
    pub const REPOS: &str = "repos";
    pub const DOMAINS: &str = "domains";
    pub const CHANGES: &str = "changes";
    /// A realm hosted on GitHub (`git realm init --github`): its hosting setup,
    /// owned by the approvers.
    pub const GITHUB: &str = ".github";
    /// Who reviews which realm file on GitHub, generated from the realm's state.
    pub const CODEOWNERS: &str = ".github/CODEOWNERS";
    /// The workflow that runs `git realm verify` on GitHub.
    pub const VERIFY_WORKFLOW: &str = ".github/workflows/realm-verify.yml";

    pub fn repo(name: &str) -> String {
        format!("repos/{name}.yaml")
    }
    pub fn domain_dir(domain: &str) -> String {
        format!("domains/{domain}")
    }
    pub fn domain(domain: &str) -> String {
        format!("domains/{domain}/domain.yaml")
    }
    pub fn contracts_dir(domain: &str) -> String {
        format!("domains/{domain}/contracts")
    }
    pub fn contract(domain: &str, contract: &str) -> String {
        format!("domains/{domain}/contracts/{contract}.yaml")
    }
    pub fn bindings_dir(domain: &str) -> String {
        format!("domains/{domain}/bindings")
    }
    pub fn binding(domain: &str, repo: &str) -> String {
        format!("domains/{domain}/bindings/{repo}.yaml")
    }
    pub fn change(id: &str) -> String {
        format!("changes/{id}.yaml")
    }
}

// ---------------------------------------------------------------------------
// Validated scalar types
// ---------------------------------------------------------------------------

macro_rules! validated_string {
    ($(#[$doc:meta])* $ty:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $ty(String);

        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(value: String) -> std::result::Result<Self, String> {
                $check(&value)?;
                Ok($ty(value))
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(value: &str) -> std::result::Result<Self, String> {
                $ty::try_from(value.to_owned())
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

validated_string!(
    /// A realm, repo, domain, contract or change name: `^[a-z0-9][a-z0-9-]{0,62}$`.
    Name,
    check_name
);
validated_string!(
    /// A shareable git url: `scheme://…`, scp-like `host:path`, or an absolute path.
    /// Never a relative path (it would mean something different on every machine).
    Url,
    check_url
);
validated_string!(
    /// A path relative to a repository's root: no `..`, no absolute paths.
    RelPath,
    check_rel_path
);
validated_string!(
    /// An e-mail address, as git identities use them.
    Email,
    check_email
);
validated_string!(
    /// A forge slug `owner/name`, as `gh --repo` takes it.
    ForgeSlug,
    check_forge_slug
);
validated_string!(
    /// A public signing key as git verifies it: an ssh public key
    /// (`ssh-ed25519 AAAA…`, without its comment) or an OpenPGP fingerprint.
    SigningKey,
    check_signing_key
);
validated_string!(
    /// A full hexadecimal object id.
    CommitId,
    check_commit_id
);

pub fn check_name(s: &str) -> std::result::Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid name (lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)"
        ))
    }
}

fn check_url(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Err("the url is empty".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{s:?} is not a valid url (it contains whitespace or control characters)"
        ));
    }
    // A leading '-' would be read as an option by git.
    if s.starts_with('-') {
        return Err(format!("{s:?} is not a valid url (it starts with '-')"));
    }
    // `<transport>::<address>` runs a remote helper (`ext::` runs any command,
    // `fd::` waits on a file descriptor): never from a url someone else wrote.
    if s.contains("::") {
        return Err(format!(
            "{s:?} is not a valid url (`<transport>::` remote helpers are not allowed)"
        ));
    }
    if let Some((scheme, rest)) = s.split_once("://") {
        let known = ["https", "ssh", "git", "file"];
        if !known.contains(&scheme) {
            return Err(format!(
                "{s:?} is not a valid url (scheme {scheme:?}; use https, ssh, git or file)"
            ));
        }
        if rest.is_empty() {
            return Err(format!(
                "{s:?} is not a valid url (nothing after {scheme}://)"
            ));
        }
        return Ok(());
    }
    if s.starts_with('/') {
        return Ok(());
    }
    // scp-like: [user@]host:path, with no '/' before the first ':'.
    if let Some((host, path)) = s.split_once(':') {
        let host_ok = !host.is_empty()
            && !host.starts_with('-')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-@[]".contains(&b));
        if host_ok && !path.is_empty() && !path.starts_with('-') {
            return Ok(());
        }
    }
    Err(format!(
        "{s:?} is not a shareable url (use https://…, ssh://…, git://…, user@host:path, file://… or an absolute path)"
    ))
}

/// A branch name a change may use, wherever it comes from (command line or realm):
/// a valid git branch name, not an option, not a full ref name (`refs/heads/x`
/// would become `refs/heads/refs/heads/x`), not `HEAD`, and not a usual default
/// branch (a change's branch is pushed and may be force-pushed: it must never be
/// the branch the repository ships). Each repository's own default branch is
/// checked where the repository is at hand (`commands::change`).
pub fn check_branch_name(s: &str) -> std::result::Result<(), String> {
    if s.is_empty()
        || s.starts_with('-')
        || gix::validate::reference::name_partial(s.into()).is_err()
    {
        return Err(format!("{s:?} is not a valid branch name"));
    }
    if s.starts_with("refs/") || s == "HEAD" || s.ends_with("/HEAD") {
        return Err(format!(
            "{s:?} is a ref name, not a branch name (write the branch without refs/heads/)"
        ));
    }
    if ["main", "master", "trunk", "develop"].contains(&s) {
        return Err(format!(
            "{s:?} is a default branch: a change needs a branch of its own"
        ));
    }
    Ok(())
}

/// A revision a change's branch starts from (`--base`): a ref name, never an option.
pub fn check_base(s: &str) -> std::result::Result<(), String> {
    if s.is_empty()
        || s.starts_with('-')
        || s.contains("..")
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
        || gix::validate::reference::name_partial(s.into()).is_err()
    {
        return Err(format!("{s:?} is not a branch, tag or commit"));
    }
    Ok(())
}

fn check_rel_path(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Err("the path is empty".into());
    }
    if s.starts_with('/')
        || s.contains('\\')
        || s.contains('\0')
        || s.contains(':') && s.len() > 1 && s.as_bytes()[1] == b':'
    {
        return Err(format!(
            "{s:?} must be a relative path inside the repository"
        ));
    }
    for part in s.split('/') {
        match part {
            "" | "." => return Err(format!("{s:?} has an empty or '.' component")),
            ".." => return Err(format!("{s:?} must not contain '..'")),
            _ => {}
        }
    }
    Ok(())
}

fn check_email(s: &str) -> std::result::Result<(), String> {
    let ok = s.contains('@')
        && !s.starts_with('@')
        && !s.ends_with('@')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not a valid e-mail address"))
    }
}

fn check_forge_slug(s: &str) -> std::result::Result<(), String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match s.split_once('/') {
        Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(()),
        _ => Err(format!("{s:?} is not a forge slug of the form owner/name")),
    }
}

fn check_signing_key(s: &str) -> std::result::Result<(), String> {
    const SSH: [&str; 7] = [
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ];
    let parts: Vec<&str> = s.split(' ').collect();
    let base64 = |p: &str| {
        p.len() >= 16
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    };
    let ok = match parts.as_slice() {
        [kind, blob] => SSH.contains(kind) && base64(blob),
        [fingerprint] => {
            (16..=40).contains(&fingerprint.len())
                && fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a signing key (an ssh public key `TYPE BASE64` without comment, or an OpenPGP fingerprint)"
        ))
    }
}

fn check_commit_id(s: &str) -> std::result::Result<(), String> {
    let ok = (s.len() == 40 || s.len() == 64)
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a full lowercase hexadecimal commit id"
        ))
    }
}

/// A UTC timestamp, written as RFC 3339 (`2026-01-24T10:00:00Z`).
pub type Timestamp = jiff::Timestamp;

// ---------------------------------------------------------------------------
// realm.yaml
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Admission {
    /// Any repo may join by pushing its registration.
    #[default]
    Open,
    /// Joining pushes a proposal branch that an approver merges.
    Approval,
    /// Like approval; the realm does not advertise itself as open.
    InviteOnly,
}

impl fmt::Display for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Admission::Open => "open",
            Admission::Approval => "approval",
            Admission::InviteOnly => "invite-only",
        })
    }
}

impl std::str::FromStr for Admission {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "open" => Ok(Admission::Open),
            "approval" => Ok(Admission::Approval),
            "invite-only" => Ok(Admission::InviteOnly),
            _ => Err(format!(
                "{s:?} is not an admission policy (open, approval or invite-only)"
            )),
        }
    }
}

/// How much a realm trusts its writers (`realm.yaml` `trust`), checked by
/// `git realm verify`, by members on every fetch, and by the server hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    /// Anyone who can push to the realm may change anything (realms made before
    /// trust levels existed read as open).
    #[default]
    Open,
    /// The author of each realm commit is a maintainer of every file it changes.
    Owners,
    /// Like owners, and every commit is signed by a key recorded for its author.
    Signed,
}

impl Trust {
    pub const ALL: [Trust; 3] = [Trust::Open, Trust::Owners, Trust::Signed];
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trust::Open => "open",
            Trust::Owners => "owners",
            Trust::Signed => "signed",
        })
    }
}

impl std::str::FromStr for Trust {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Trust::ALL
            .into_iter()
            .find(|t| t.to_string() == s)
            .ok_or_else(|| format!("{s:?} is not a trust level (open, owners or signed)"))
    }
}

/// A signing key recorded for one maintainer (or approver).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintainerKey {
    pub email: Email,
    pub key: SigningKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakingChanges {
    #[serde(default)]
    pub require_approval: bool,
    #[serde(default)]
    pub grace_period_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    #[serde(default)]
    pub admission: Admission,
    #[serde(default)]
    pub approvers: Vec<Email>,
    /// The approvers' signing keys (for merges and `realm.yaml` in signed realms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<MaintainerKey>,
    #[serde(default)]
    pub breaking_changes: BreakingChanges,
}

/// `realm.yaml`: what the realm is and how it is governed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealmFile {
    pub format: u32,
    pub name: Name,
    pub created_at: Timestamp,
    /// Absent in realms made before trust levels: they read as `open`.
    #[serde(default)]
    pub trust: Trust,
    #[serde(default)]
    pub governance: Governance,
}

// ---------------------------------------------------------------------------
// repos/<repo>.yaml
// ---------------------------------------------------------------------------

/// `repos/<repo>.yaml`: a registered member repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoFile {
    pub name: Name,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge: Option<ForgeSlug>,
    #[serde(default)]
    pub maintainers: Vec<Email>,
    /// The maintainers' signing keys, each for one of `maintainers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<MaintainerKey>,
    pub joined_at: Timestamp,
}

// ---------------------------------------------------------------------------
// domains/<domain>/...
// ---------------------------------------------------------------------------

/// `domains/<domain>/domain.yaml`: a coordination context between repos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainFile {
    pub name: Name,
    #[serde(default)]
    pub description: String,
    pub members: Vec<Name>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangelogEntry {
    pub version: Version,
    pub date: jiff::civil::Date,
    /// The provider commit the version was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitId>,
    #[serde(default)]
    pub changes: Vec<String>,
    /// The items this version removed (identities, as `--uses` names them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// The items this version changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

/// A consumer to be told about a version. The entry is claimed in the same realm
/// commit that publishes the version (`url` absent: not sent yet), and the issue
/// url recorded once sent, so no re-run from any machine opens it twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub repo: Name,
    pub version: Version,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The sync sending it now (`host:pid:nonce`), so that no other sends it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
    /// When that sync claimed it (a claim expires: see `crate::notify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<Timestamp>,
}

/// `domains/<domain>/contracts/<contract>.yaml`: a versioned value with one owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractFile {
    pub name: Name,
    pub owner: Name,
    pub version: Version,
    /// The provider commit the current version was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitId>,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// The fields that identify the objects of an array (see `items`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    pub value: serde_json::Value,
    #[serde(default)]
    pub changelog: Vec<ChangelogEntry>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
}

/// Where an export's value comes from in the provider's code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ValueSource {
    /// A literal value given on the command line.
    Value { value: serde_json::Value },
    /// A YAML/JSON file in the repository, optionally narrowed by a JSON pointer.
    File {
        path: RelPath,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pointer: Option<String>,
    },
    /// Every match of a regex in the files matching a glob.
    Extract { rules: Vec<ExtractRule> },
    /// A program's standard output, run in a clean checkout of the source commit.
    /// Only ever read from the provider's own repository, never from a realm.
    Command {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Gitignore-style patterns, separated by spaces; `!pattern` excludes.
    pub glob: String,
    pub regex: String,
    /// Collect the items of each file under its path (`{file: items}`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_file: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub contract: Name,
    /// Realms written by older versions kept the source here; it now lives in the
    /// provider's repository (`.realm/exports.yaml`). Read only when that file has
    /// no entry for the contract, and only after the same validation as the CLI's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ValueSource>,
    /// The description the next sync publishes (a change alone is a patch release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema the value must satisfy, published with the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Import {
    pub contract: Name,
    pub version: VersionReq,
    pub binding: RelPath,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<String>,
    /// The files `verify` reads (gitignore-style globs); the binding file when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_files: Vec<String>,
    /// The items this consumer uses (`--uses`): a key path or a set element.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<String>,
    /// Rules that find the used items in the consumer's code (`--uses-extract`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses_extract: Vec<ExtractRule>,
    /// What `uses_extract` found at the consumer's last import or sync, for providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extracted_uses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_version: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_commit: Option<CommitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// Who acknowledged the resolved version without changing the binding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<Email>,
}

impl Import {
    /// Every item this consumer declares it uses (explicit and extracted).
    pub fn used_items(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .uses
            .iter()
            .chain(&self.extracted_uses)
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether the consumer says what it uses at all.
    pub fn declares_uses(&self) -> bool {
        !self.uses.is_empty() || !self.uses_extract.is_empty()
    }
}

/// `domains/<domain>/bindings/<repo>.yaml`: what one repo exports and imports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingFile {
    pub repo: Name,
    #[serde(default)]
    pub exports: Vec<Export>,
    #[serde(default)]
    pub imports: Vec<Import>,
}

// ---------------------------------------------------------------------------
// .realm/exports.yaml (in the provider's own repository)
// ---------------------------------------------------------------------------

/// Where a provider's repository declares how its exports are computed.
pub const EXPORTS_FILE: &str = ".realm/exports.yaml";

/// `.realm/exports.yaml`: the sources of this repository's exports, committed with
/// its code. `check` and `sync` read it at the commit they publish from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportsFile {
    #[serde(default)]
    pub exports: Vec<ExportSource>,
}

/// One export's source, in the provider's repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSource {
    pub realm: Name,
    pub domain: Name,
    pub contract: Name,
    pub source: ValueSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// The fields that identify the objects of an array.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

impl ExportsFile {
    pub fn find(&self, realm: &str, domain: &str, contract: &str) -> Option<&ExportSource> {
        self.exports
            .iter()
            .find(|e| e.realm == realm && e.domain == domain && e.contract == contract)
    }
}

impl Document for ExportsFile {
    fn check(&self, _stem: &str) -> std::result::Result<(), (&'static str, String)> {
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.exports {
            if !seen.insert((e.realm.as_str(), e.domain.as_str(), e.contract.as_str())) {
                return Err((
                    "exports",
                    format!("{}/{}/{} is declared twice", e.realm, e.domain, e.contract),
                ));
            }
        }
        Ok(())
    }
    fn normalize(&mut self) {
        self.exports.sort_by(|a, b| {
            (&a.realm, &a.domain, &a.contract).cmp(&(&b.realm, &b.domain, &b.contract))
        });
    }
}

// ---------------------------------------------------------------------------
// changes/<change>.yaml
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    #[default]
    Open,
    Merged,
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedCommit {
    pub repo: Name,
    pub commit: CommitId,
    /// The `git realm commit` round that made it (the same id in its note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub repo: Name,
    pub url: String,
    pub number: u64,
}

/// `changes/<change>.yaml`: a coordinated change across repos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeFile {
    pub id: Name,
    pub branch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub repos: Vec<Name>,
    #[serde(default)]
    pub domains: Vec<Name>,
    #[serde(default)]
    pub status: ChangeStatus,
    pub created_by: Email,
    pub created_at: Timestamp,
    #[serde(default)]
    pub commits: Vec<LinkedCommit>,
    #[serde(default)]
    pub prs: Vec<PullRequest>,
    #[serde(default)]
    pub merge_order: Vec<Name>,
}

// ---------------------------------------------------------------------------
// Reading and writing documents
// ---------------------------------------------------------------------------

/// A realm document: parsed with the file and field named on error, checked
/// against its location, and written in a stable form.
pub trait Document: DeserializeOwned + Serialize {
    /// Cross-field checks and checks against the file's own name (`stem`).
    fn check(&self, _stem: &str) -> std::result::Result<(), (&'static str, String)> {
        Ok(())
    }
    /// Put lists without meaningful order into a canonical order.
    fn normalize(&mut self) {}
}

fn must_match(
    field: &'static str,
    value: &Name,
    stem: &str,
) -> std::result::Result<(), (&'static str, String)> {
    if value.as_str() == stem {
        Ok(())
    } else {
        Err((
            field,
            format!(
                "{value:?} does not match the file name {stem:?}",
                value = value.as_str()
            ),
        ))
    }
}

/// Every key belongs to one of `people`.
fn keys_of(
    keys: &[MaintainerKey],
    people: &[Email],
    field: &'static str,
) -> std::result::Result<(), (&'static str, String)> {
    match keys.iter().find(|k| !people.contains(&k.email)) {
        Some(k) => Err((field, format!("a key for {}, who is not listed", k.email))),
        None => Ok(()),
    }
}

fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    v.sort();
    v.dedup();
}

/// Refuse a realm written in a format newer than this build reads, before anything
/// else of it is parsed (a newer format may have fields this build does not know).
/// Checked on every snapshot of a realm, so every command refuses it.
pub fn check_format(realm_yaml: &[u8]) -> Result<()> {
    #[derive(Deserialize)]
    struct Head {
        format: Option<serde_yaml::Value>,
    }
    let Ok(text) = std::str::from_utf8(realm_yaml) else {
        return Ok(()); // the full parse names the problem
    };
    let Ok(head) = serde_yaml::from_str::<Head>(text) else {
        return Ok(());
    };
    match head.format.as_ref().and_then(serde_yaml::Value::as_u64) {
        Some(f) if f > u64::from(FORMAT) => Err(Error::usage(format!(
            "realm.yaml: this realm needs git-realm ≥ {} (it is in realm format {f}; git-realm {} reads formats up to {FORMAT})",
            needed_version(f),
            env!("CARGO_PKG_VERSION")
        ))
        .hint("upgrade git-realm; nothing was read from or written to the realm")),
        _ => Ok(()),
    }
}

/// The first release that reads realm format `format`, as far as this build knows:
/// of a format after ours it only knows that it needs a later release than this
/// one, so it names the next one (a lower bound, which is what `≥` promises).
fn needed_version(format: u64) -> String {
    const SINCE: &[(u64, &str)] = &[(1, "0.1.0")];
    SINCE
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_else(next_minor)
}

fn next_minor() -> String {
    let v = Version::parse(env!("CARGO_PKG_VERSION")).expect("the crate version is semver");
    if v.major == 0 {
        format!("0.{}.0", v.minor + 1)
    } else {
        format!("{}.0.0", v.major + 1)
    }
}

impl Document for RealmFile {
    fn check(&self, _stem: &str) -> std::result::Result<(), (&'static str, String)> {
        if self.format == 0 || self.format > FORMAT {
            return Err((
                "format",
                format!(
                    "realm format {} is not supported (this git-realm reads format {FORMAT})",
                    self.format
                ),
            ));
        }
        keys_of(
            &self.governance.keys,
            &self.governance.approvers,
            "governance.keys",
        )
    }
    fn normalize(&mut self) {
        sort_dedup(&mut self.governance.approvers);
        sort_dedup(&mut self.governance.keys);
    }
}

impl Document for RepoFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("name", &self.name, stem)?;
        // The forge slug is where notifications and pull requests go: for a repo
        // whose url is on GitHub it can only repeat what the url says.
        if let (Some(forge), Some(from_url)) =
            (&self.forge, crate::forge::github_slug(self.url.as_str()))
            && !forge.as_str().eq_ignore_ascii_case(&from_url)
        {
            return Err((
                "forge",
                format!("{forge} is not the repository at {} ({from_url})", self.url),
            ));
        }
        Ok(())
    }
    fn normalize(&mut self) {
        sort_dedup(&mut self.maintainers);
        sort_dedup(&mut self.keys);
    }
}

impl Document for DomainFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("name", &self.name, stem)
    }
    fn normalize(&mut self) {
        sort_dedup(&mut self.members);
    }
}

impl Document for ContractFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("name", &self.name, stem)
    }
}

impl Document for BindingFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("repo", &self.repo, stem)?;
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.exports {
            if !seen.insert(("export", e.contract.as_str())) {
                return Err((
                    "exports",
                    format!("contract {:?} is exported twice", e.contract.as_str()),
                ));
            }
        }
        for i in &self.imports {
            if !seen.insert(("import", i.contract.as_str())) {
                return Err((
                    "imports",
                    format!("contract {:?} is imported twice", i.contract.as_str()),
                ));
            }
        }
        Ok(())
    }
    fn normalize(&mut self) {
        self.exports.sort_by(|a, b| a.contract.cmp(&b.contract));
        self.imports.sort_by(|a, b| a.contract.cmp(&b.contract));
    }
}

impl Document for ChangeFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("id", &self.id, stem)?;
        check_branch_name(&self.branch).map_err(|e| ("branch", e))?;
        if let Some(base) = &self.base {
            check_base(base).map_err(|e| ("base", e))?;
        }
        for pr in &self.prs {
            if pr.number == 0 {
                return Err(("prs", "a pull request number is never 0".into()));
            }
            if !self.repos.contains(&pr.repo) {
                return Err((
                    "prs",
                    format!("{} does not take part in this change", pr.repo),
                ));
            }
            if !pr.url.starts_with("https://")
                || pr.url.chars().any(|c| c.is_whitespace() || c.is_control())
                || crate::forge::pr_number_from_url(&pr.url) != Some(pr.number)
            {
                return Err((
                    "prs",
                    format!(
                        "{:?} is not the https url of pull request #{}",
                        pr.url, pr.number
                    ),
                ));
            }
        }
        Ok(())
    }
    fn normalize(&mut self) {
        sort_dedup(&mut self.repos);
        sort_dedup(&mut self.domains);
    }
}

/// The file stem of a realm path: `repos/aperture.yaml` → `aperture`.
pub fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    if path.ends_with("/domain.yaml") {
        // domains/<d>/domain.yaml is named after its folder.
        return path
            .trim_end_matches("/domain.yaml")
            .rsplit('/')
            .next()
            .unwrap_or(file);
    }
    file.strip_suffix(".yaml").unwrap_or(file)
}

/// Parse and validate the document at realm path `file`.
pub fn parse<T: Document>(file: &str, bytes: &[u8]) -> Result<T> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid(file, "", "the file is not UTF-8"))?;
    let de = serde_yaml::Deserializer::from_str(text);
    let doc: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        Error::invalid(file, &field, inner)
    })?;
    doc.check(stem(file))
        .map_err(|(field, msg)| Error::invalid(file, field, msg))?;
    Ok(doc)
}

/// Serialise a document in its canonical form.
pub fn render<T: Document + Clone>(doc: &T) -> String {
    let mut doc = doc.clone();
    doc.normalize();
    serde_yaml::to_string(&doc).expect("realm documents always serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "aperture",
            "fungal-image-analysis",
            "0x",
            &"a".repeat(63),
        ] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "A", "a_b", "../x", "a/b", "a.b", &"a".repeat(64)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://github.com/o/n.git",
            "git@github.com:o/n.git",
            "/srv/git/realm.git",
            "file:///tmp/r",
            "ssh://git@h/o/n",
            "git://h/o/n",
            "user@host.example:path/x.git",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "relative/path",
            "./x",
            "../x",
            "-oProxyCommand=x",
            "ftp://x",
            "http://x/y",
            "a b",
            "https://",
            "fd::7",
            "ext::sh -c x",
            "ext::x",
            "host::path",
            "-x:y",
            "h:-upload-pack=x",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn branches() {
        for ok in ["feat/x", "fix-auth", "a/b/c"] {
            assert!(check_branch_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            "main",
            "master",
            "HEAD",
            "refs/heads/main",
            "refs/heads/x",
            "a..b",
            "a b",
            "x\u{1b}[31m",
        ] {
            assert!(check_branch_name(bad).is_err(), "{bad}");
        }
        assert!(check_base("main").is_ok());
        assert!(check_base("--upload-pack=x").is_err());
    }

    #[test]
    fn format_newer_than_this_build_is_refused_with_the_version() {
        let err = check_format(b"format: 999999\nname: x\nfuture: {}\n").unwrap_err();
        assert!(err.message.contains("needs git-realm"), "{}", err.message);
        assert!(check_format(b"format: 1\nname: x\n").is_ok());
        assert!(
            check_format(b"[not, a, map]").is_ok(),
            "left to the full parse"
        );
    }

    #[test]
    fn rel_paths() {
        for ok in ["a", "cdk/stack.py", "a/b.c/d"] {
            assert!(check_rel_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "C:/x",
        ] {
            assert!(check_rel_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parse_names_file_and_field() {
        let bad =
            b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\nmaintainers: [not-an-email]\n";
        let err = parse::<RepoFile>("repos/x.yaml", bad).unwrap_err();
        assert!(err.message.contains("repos/x.yaml"), "{}", err.message);
        assert!(err.message.contains("maintainers[0]"), "{}", err.message);

        let err = parse::<RepoFile>(
            "repos/y.yaml",
            b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\n",
        )
        .unwrap_err();
        assert!(err.message.contains("field `name`"), "{}", err.message);
    }

    #[test]
    fn render_is_canonical() {
        let mut repo = parse::<RepoFile>(
            "repos/x.yaml",
            b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\nmaintainers: [b@x.org, a@x.org, b@x.org]\n",
        )
        .unwrap();
        let once = render(&repo);
        repo.maintainers.reverse();
        assert_eq!(once, render(&repo));
        assert_eq!(
            once,
            "name: x\nurl: /srv/x\nmaintainers:\n- a@x.org\n- b@x.org\njoined_at: 2026-01-01T00:00:00Z\n"
        );
    }
}

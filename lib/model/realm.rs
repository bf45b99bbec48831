//! `realm.yaml` (what the realm is and how it is governed) and `repos/<repo>.yaml`
//! (a registered member repository, its maintainers and their keys).

use super::*;

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
    // Name, Url, ForgeSlug, Email and Timestamp are all read from a string;
    // `keys` (a list of maps) is never in the flat shape.
    const FLAT: bool = true;
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

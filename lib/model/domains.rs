//! `domains/<domain>/`: the domain, its contracts (versioned values with one
//! provider) and each member's binding (what it exports and imports).

use super::*;

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

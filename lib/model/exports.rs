//! `.realm/exports.yaml`, in the provider's own repository: how its exports are
//! computed, committed with its code.

use super::*;

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

//! The realm model: the typed shape of every YAML file on the realm branch.
//!
//! Everything read from a realm is untrusted input. Validation happens while
//! deserialising (names, versions, urls, paths are newtypes that refuse bad values),
//! so a bad file fails with the file and the field path, never with a panic, and no
//! invalid value ever reaches a command. Serialisation is deterministic: fixed field
//! order, and lists without meaningful order are sorted by `normalize`.
//!
//! This module knows nothing about git: the store (`lib/store`) hands it bytes.

use std::fmt;

use semver::{Version, VersionReq};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The realm format this build reads and writes. A realm with a newer format is
/// refused (never rewritten by an older tool).
pub const FORMAT: u32 = 1;

pub mod paths;

mod changes;
mod domains;
mod exports;
mod flat;
pub mod nesting;
mod realm;
#[cfg(test)]
mod tests;
mod values;

pub use changes::*;
pub use domains::*;
pub use exports::*;
pub use realm::*;
pub use values::*;

// ---------------------------------------------------------------------------
// Reading and writing documents
// ---------------------------------------------------------------------------

/// A realm document: parsed with the file and field named on error, checked
/// against its location, and written in a stable form.
pub trait Document: DeserializeOwned + Serialize {
    /// Every field takes its value from a scalar's text (strings and types made
    /// from strings, lists of them, optional ones), so a file in the flat shape
    /// can be read without the YAML parser (see `flat`).
    const FLAT: bool = false;
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if nesting::too_deep(text).is_some() {
        return Ok(()); // the full parse refuses it
    }
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
    // YAML allows a byte order mark first (editors on Windows write one); the
    // parser, told the input is UTF-8, would read it as part of the first key.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if T::FLAT
        && let Some(doc) = flat::parse(text, stem(file))
    {
        return Ok(doc);
    }
    nesting::refuse_too_deep(file, text)?;
    let de = serde_yaml::Deserializer::from_str(text);
    let doc: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        let newer = inner.starts_with("unknown field");
        let err = Error::invalid(file, &field, inner);
        if newer {
            // Teams upgrade at different times: a field this build does not know
            // is most often one a newer git-realm wrote.
            err.hint(format!(
                "if a newer git-realm wrote it, upgrade (this is {}); otherwise fix the file in the realm",
                env!("CARGO_PKG_VERSION")
            ))
        } else {
            err
        }
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

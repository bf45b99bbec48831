//! `check --format github`: GitHub Actions workflow commands (`::error`,
//! `::warning`, `::notice`, shown as annotations on the pull request) and a
//! markdown summary for `$GITHUB_STEP_SUMMARY`.
//!
//! An annotation points at the file behind what it reports: the export's source
//! file, or the consumer's binding file. What breaks a consumer is an error, what
//! only needs attention a warning, a compatible change a notice.

use std::io::Write;
use std::path::Path;

use crate::contracts::{Bump, CheckReport, ExportStatus, ImportState, ImportStatus};
use crate::error::{Error, Result};
use crate::model::ValueSource;

/// Escape the message of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property (`file=…`, `title=…`) of a workflow command.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, file: Option<&str>, title: &str, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", property(f)));
    }
    props.push(format!("title={}", property(title)));
    format!("::{level} {}::{}", props.join(","), data(message))
}

/// The file an export's value comes from, when it is one file.
fn source_file(e: &ExportStatus) -> Option<String> {
    match e.declared.as_ref().map(|x| &x.source) {
        Some(ValueSource::File { path, .. }) => Some(path.to_string()),
        _ => None,
    }
}

/// The consumers the pending version breaks (removes or changes what they use,
/// or leaves their requirement behind when they declare no uses).
fn left_behind(e: &ExportStatus) -> Vec<String> {
    if e.next_version.is_none() {
        return Vec::new();
    }
    e.consumers
        .iter()
        .filter(|c| c.breaks)
        .map(|c| {
            if c.broken_items.is_empty() || !c.declares_uses {
                format!("{} ({})", c.repo, c.requirement)
            } else {
                format!("{} (uses {})", c.repo, c.broken_items.join(", "))
            }
        })
        .collect()
}

fn export_annotation(e: &ExportStatus) -> Option<String> {
    let name = format!("{}/{}", e.domain, e.contract);
    let file = source_file(e);
    if let Some(err) = &e.error {
        return Some(command("error", file.as_deref(), &name, err));
    }
    let (Some(next), Some(bump)) = (&e.next_version, e.bump) else {
        return None;
    };
    let current = e
        .version
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let diff = e.diff.lines().join("\n");
    let broken = left_behind(e);
    Some(if bump == Bump::Major && !broken.is_empty() {
        command(
            "error",
            file.as_deref(),
            &name,
            &format!(
                "{current} → {next} ({bump}) breaks {}\n{diff}",
                broken.join(", ")
            ),
        )
    } else {
        command(
            "notice",
            file.as_deref(),
            &name,
            &format!("{current} → {next} ({bump}) on merge\n{diff}"),
        )
    })
}

fn import_annotation(i: &ImportStatus) -> Option<String> {
    let name = format!("{}/{}", i.domain, i.contract);
    let reason = i.reason.clone().unwrap_or_default();
    match i.state {
        ImportState::Current => None,
        ImportState::Stale => Some(command(
            "warning",
            Some(&i.binding),
            &name,
            &format!("stale: {reason}"),
        )),
        ImportState::Grace => Some(command(
            "warning",
            Some(&i.binding),
            &name,
            &format!(
                "grace until {}: {reason}",
                i.deadline.map(|d| d.to_string()).unwrap_or_default()
            ),
        )),
        ImportState::Broken => Some(command(
            "error",
            Some(&i.binding),
            &name,
            &format!("broken: {reason}"),
        )),
    }
}

/// One workflow command per export or import that needs attention.
pub fn annotations(report: &CheckReport) -> Vec<String> {
    let mut out = Vec::new();
    for r in &report.realms {
        out.extend(r.exports.iter().filter_map(export_annotation));
        out.extend(r.imports.iter().filter_map(import_annotation));
        if let Some(c) = &r.change {
            for w in &c.waiting_on {
                let what = w
                    .url
                    .clone()
                    .unwrap_or_else(|| format!("{}'s pull request (not opened yet)", w.repo));
                out.push(command(
                    "error",
                    None,
                    "merge order",
                    &format!(
                        "change '{}': merge {what} first ({})",
                        c.change,
                        w.contracts.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

/// The markdown summary of a check.
pub fn summary(report: &CheckReport) -> String {
    let mut md = String::from("## git realm check\n\n");
    md.push_str(if report.ok {
        "✅ All contracts current.\n\n"
    } else {
        "❌ Something needs attention.\n\n"
    });
    for r in &report.realms {
        md.push_str(&format!("### {} in realm `{}`\n\n", r.repo, r.realm));
        md.push_str("| contract | role | state |\n| --- | --- | --- |\n");
        for e in &r.exports {
            let state = match (&e.error, &e.next_version, e.bump) {
                (Some(err), _, _) => format!("error: {err}"),
                (None, Some(next), Some(bump)) => {
                    let broken = left_behind(e);
                    if bump == Bump::Major && !broken.is_empty() {
                        format!("{next} ({bump}) breaks {}", broken.join(", "))
                    } else {
                        format!("{next} ({bump}) on merge")
                    }
                }
                _ => "current".to_owned(),
            };
            md.push_str(&format!(
                "| {}/{} | export | {} |\n",
                e.domain,
                e.contract,
                cell(&state)
            ));
        }
        for i in &r.imports {
            let state = match i.state {
                ImportState::Current => "current".to_owned(),
                _ => format!(
                    "{}: {}",
                    i.state.as_str(),
                    i.reason.as_deref().unwrap_or_default()
                ),
            };
            md.push_str(&format!(
                "| {}/{} | import | {} |\n",
                i.domain,
                i.contract,
                cell(&state)
            ));
        }
        md.push('\n');
    }
    md
}

/// Text safe inside a markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Append the summary to `$GITHUB_STEP_SUMMARY`.
pub fn append_summary(path: &Path, report: &CheckReport) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
    f.write_all(summary(report).as_bytes())
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_their_data_and_properties() {
        assert_eq!(
            command("error", Some("a,b:c.yml"), "d/c", "100% bad\nline 2"),
            "::error file=a%2Cb%3Ac.yml,title=d/c::100%25 bad%0Aline 2"
        );
    }
}

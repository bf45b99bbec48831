//! `check --format github`: GitHub Actions workflow commands (`::error`,
//! `::warning`, `::notice`, shown as annotations on the pull request) and a
//! markdown summary for `$GITHUB_STEP_SUMMARY`.
//!
//! An annotation points at the file behind what it reports: with `--against`, the
//! file and line each changed item was extracted from (a removed item where it was
//! at the base); otherwise the export's source file, or the consumer's binding
//! file. What breaks a consumer (or what the realm's policy refuses) is an error,
//! what only needs attention a warning, a compatible change a notice.

use std::io::Write;
use std::path::Path;

use crate::contracts::{Bump, CheckReport, ExportStatus, ImportState, ImportStatus};
use crate::error::{Error, Result};
use crate::gate::Verdict;
use crate::items::ChangeKind;
use crate::model::ValueSource;

/// Escape the message of a workflow command: realm text (item values, names)
/// is shown with its control and bidi characters made visible, as everywhere
/// (a CI log renders ANSI), then encoded as the runner reads it.
fn data(s: &str) -> String {
    super::escape(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property (`file=…`, `title=…`) of a workflow command.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, file: Option<&str>, title: &str, message: &str) -> String {
    at_line(level, file, None, title, message)
}

/// A workflow command pointing at a line of a file.
fn at_line(
    level: &str,
    file: Option<&str>,
    line: Option<u32>,
    title: &str,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", property(f)));
        if let Some(n) = line {
            props.push(format!("line={n}"));
        }
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

/// The annotations of one export: one per changed item found in the code, at
/// its file and line (`check --against`), and one for the export as a whole on
/// its source file for what has no place (or for everything, without a base).
fn export_annotations(e: &ExportStatus) -> Vec<String> {
    let name = format!("{}/{}", e.domain, e.contract);
    let (Some(next), Some(bump)) = (&e.next_version, e.bump) else {
        return export_annotation(e).into_iter().collect();
    };
    if e.error.is_some() || e.locations.is_empty() {
        return export_annotation(e).into_iter().collect();
    }
    let current = e
        .version
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(p) = &e.policy {
        out.push(command("error", source_file(e).as_deref(), &name, p));
    }
    let mut unplaced = false;
    for c in &e.diff.changes {
        let Some(l) = e
            .locations
            .iter()
            .find(|l| l.item == c.item() && l.kind == c.kind)
        else {
            unplaced = true;
            continue;
        };
        let breaks: Vec<String> = e
            .consumers
            .iter()
            .filter(|k| k.breaks)
            .filter(|k| {
                if k.declares_uses {
                    k.uses.iter().any(|u| crate::items::affects(c, u))
                } else {
                    c.kind != ChangeKind::Added
                }
            })
            .map(|k| {
                if k.declares_uses {
                    format!(
                        "{} (imports {}, uses {})",
                        k.repo,
                        k.requirement,
                        k.broken_items.join(", ")
                    )
                } else {
                    format!("{} (imports {})", k.repo, k.requirement)
                }
            })
            .collect();
        let was = if c.kind == ChangeKind::Removed {
            " (where it was at the base)"
        } else {
            ""
        };
        let line = if breaks.is_empty() {
            at_line(
                "notice",
                Some(&l.file),
                l.line,
                &name,
                &format!(
                    "{}{was}: {current} → {next} ({bump}) on merge; no consumer uses it",
                    c.line()
                ),
            )
        } else {
            at_line(
                "error",
                Some(&l.file),
                l.line,
                &name,
                &format!(
                    "{}{was}: {current} → {next} ({bump}) breaks {}",
                    c.line(),
                    breaks.join(", ")
                ),
            )
        };
        out.push(line);
    }
    if unplaced && e.policy.is_none() {
        out.extend(export_annotation(e));
    }
    out
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
    if let Some(p) = &e.policy {
        return Some(command("error", file.as_deref(), &name, p));
    }
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

fn import_annotations(i: &ImportStatus) -> Vec<String> {
    let name = format!("{}/{}", i.domain, i.contract);
    let mut out: Vec<String> = import_annotation(i).into_iter().collect();
    if let Some(p) = &i.provider_change
        && let Some(note) = &p.note
    {
        out.push(command(
            "warning",
            Some(&i.binding),
            &name,
            &format!("change '{}': {note}", p.change),
        ));
    }
    if let Some(v) = &i.resolves {
        let judged = match &i.provider_change {
            Some(p) if p.version.is_some() => format!(
                " once {}'s change is published (judged against its {} at {})",
                p.provider,
                p.branch,
                p.commit
                    .as_deref()
                    .map(|c| &c[..c.len().min(12)])
                    .unwrap_or("?")
            ),
            _ => String::new(),
        };
        out.push(command(
            "notice",
            Some(&i.binding),
            &name,
            &format!(
                "this change resolves {v}{judged}: the next `git realm sync` after the merge records it"
            ),
        ));
    }
    out
}

fn import_annotation(i: &ImportStatus) -> Option<String> {
    let name = format!("{}/{}", i.domain, i.contract);
    let mut reason = i.reason.clone().unwrap_or_default();
    if let Some(p) = &i.provider_change
        && let Some(commit) = &p.commit
    {
        reason.push_str(&format!(
            " (judged against {}'s {} at {})",
            p.provider,
            p.branch,
            &commit[..commit.len().min(12)]
        ));
    }
    match i.state {
        ImportState::Current => None,
        // Said as a notice by `import_annotations`.
        ImportState::Stale if i.resolves.is_some() => None,
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
        out.extend(r.exports.iter().flat_map(export_annotations));
        out.extend(r.imports.iter().flat_map(import_annotations));
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
    let verdict = report
        .realms
        .iter()
        .filter_map(|r| r.against.as_ref().map(|a| a.verdict))
        .max();
    md.push_str(match (verdict, report.ok) {
        (Some(Verdict::Pass), true) => "✅ No consumer breaks: this can merge.\n\n",
        (Some(Verdict::Refused), _) => "⛔ The realm's policy refuses this change.\n\n",
        (Some(_), _) => "❌ This would break a consumer, or needs attention.\n\n",
        (None, true) => "✅ All contracts current.\n\n",
        (None, false) => "❌ Something needs attention.\n\n",
    });
    for r in &report.realms {
        md.push_str(&format!("### {} in realm `{}`\n\n", r.repo, r.realm));
        if let Some(a) = &r.against {
            md.push_str(&format!(
                "Merging into `{}` (`{}`): **{}**\n\n",
                cell(&a.rev),
                &a.commit[..a.commit.len().min(12)],
                match a.verdict {
                    Verdict::Pass => "pass",
                    Verdict::Breaks => "breaks",
                    Verdict::Refused => "refused",
                }
            ));
        }
        md.push_str("| contract | role | state |\n| --- | --- | --- |\n");
        for e in &r.exports {
            let state = match (&e.error, &e.next_version, e.bump) {
                (Some(err), _, _) => format!("error: {err}"),
                (None, Some(next), Some(bump)) if e.policy.is_some() => {
                    format!(
                        "{next} ({bump}) refused: {}",
                        e.policy.as_deref().unwrap_or("")
                    )
                }
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
            let mut state = match i.state {
                ImportState::Current => "current".to_owned(),
                _ => format!(
                    "{}: {}",
                    i.state.as_str(),
                    i.reason.as_deref().unwrap_or_default()
                ),
            };
            if let Some(p) = &i.provider_change {
                match (&p.commit, &p.note) {
                    (_, Some(note)) => state.push_str(&format!(" ({note})")),
                    (Some(c), None) => state.push_str(&format!(
                        " (against {}'s {} at {})",
                        p.provider,
                        p.branch,
                        &c[..c.len().min(12)]
                    )),
                    (None, None) => {}
                }
            }
            if let Some(v) = &i.resolves {
                state.push_str(&format!("; this change resolves {v}"));
            }
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
    f.write_all(super::escape(&summary(report)).as_bytes())
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

//! How the state of an export or an import prints, the same in `check` and
//! `status`.

use super::Ui;
use crate::contracts::{ExportStatus, ImportState, ImportStatus};

/// One export: up to date, or what the next sync would publish and whom it affects.
pub fn print_export(ui: &Ui, e: &ExportStatus) {
    let name = format!("{}/{}", e.domain, e.contract);
    let version = e
        .version
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "unpublished".into());
    match (&e.error, &e.next_version, e.bump) {
        (Some(err), _, _) => ui.bad(format!("{name}: {err}")),
        (None, Some(next), Some(bump)) => {
            ui.warn(format!(
                "{name}: committed changes, {version} → {next} ({bump}) on the next sync"
            ));
            for line in e.diff.lines() {
                ui.line(format!("    {line}"));
            }
            if !e.consumers.is_empty() {
                let who: Vec<String> = e
                    .consumers
                    .iter()
                    .map(|c| {
                        let verdict = if c.breaks {
                            format!("breaks: {}", c.broken_items.join(", "))
                        } else if !c.requirement.matches(next) {
                            "not affected; its requirement will need widening".to_owned()
                        } else {
                            "not broken".to_owned()
                        };
                        format!("{} (imports {}, {verdict})", c.repo, c.requirement)
                    })
                    .collect();
                ui.line(format!("  Affected: {}", who.join("; ")));
            }
        }
        _ => ui.ok(format!("{name}@{version}: export up to date")),
    }
    if !e.uncommitted.is_empty() {
        ui.warn(format!(
            "{name}: uncommitted: would change (not published until committed):"
        ));
        for line in &e.uncommitted {
            ui.line(format!("    {line}"));
        }
    }
}

/// One import: current, stale (with what changed), in grace or broken (with why).
pub fn print_import(ui: &Ui, i: &ImportStatus) {
    let name = format!("{}/{}", i.domain, i.contract);
    match i.state {
        ImportState::Current => ui.ok(format!(
            "{name}@{}: import current ({})",
            i.resolved_version
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            i.binding
        )),
        ImportState::Stale => {
            ui.warn(format!(
                "{name}: stale, {} (binding {})",
                i.reason.as_deref().unwrap_or(""),
                i.binding
            ));
            for c in &i.changes {
                ui.line(format!("    {c}"));
            }
            ui.line(format!(
                "  Update {}, commit, then `git realm sync`; or, if nothing needs to change, `git realm resolve {name}`.",
                i.binding
            ));
        }
        ImportState::Grace => {
            ui.warn(format!(
                "{name}: grace until {}, {}",
                i.deadline.map(|d| d.to_string()).unwrap_or_default(),
                i.reason.as_deref().unwrap_or("")
            ));
            for c in &i.changes {
                ui.line(format!("    {c}"));
            }
        }
        ImportState::Broken => {
            ui.bad(format!(
                "{name}: broken, {}",
                i.reason.as_deref().unwrap_or("")
            ));
            for c in &i.changes {
                ui.line(format!("    {c}"));
            }
        }
    }
}

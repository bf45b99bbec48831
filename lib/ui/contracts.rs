//! How the state of an export or an import prints, the same in `check` and
//! `status`.

use super::Ui;
use crate::contracts::{ExportStatus, ImportState, ImportStatus};
use crate::items::ChangeKind;

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

/// One export of a pull request (`check --against`): what merging it publishes,
/// each changed item with where it was found, and, per consumer, whether it breaks.
pub fn print_export_against(ui: &Ui, e: &ExportStatus) {
    let name = format!("{}/{}", e.domain, e.contract);
    let version = e
        .version
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "unpublished".into());
    match (&e.error, &e.next_version, e.bump) {
        (Some(err), _, _) => ui.bad(format!("{name}: {err}")),
        (None, Some(next), Some(bump)) => {
            let broken: Vec<&str> = e
                .consumers
                .iter()
                .filter(|c| c.breaks)
                .map(|c| c.repo.as_str())
                .collect();
            let head = format!("{name}: merging publishes {version} → {next} ({bump})");
            if let Some(p) = &e.policy {
                ui.bad(format!("{head}: refused, {p}"));
            } else if broken.is_empty() {
                ui.ok(format!("{head}; no consumer breaks"));
            } else {
                ui.bad(format!("{head}, which breaks {}", broken.join(", ")));
            }
            for c in &e.diff.changes {
                let at = e
                    .locations
                    .iter()
                    .find(|l| l.item == c.item() && l.kind == c.kind)
                    .map(|l| match (l.line, l.kind) {
                        (Some(n), ChangeKind::Removed) => format!("  (was {}:{n})", l.file),
                        (Some(n), _) => format!("  ({}:{n})", l.file),
                        (None, _) => format!("  ({})", l.file),
                    })
                    .unwrap_or_default();
                ui.line(format!("    {}{at}", c.line()));
            }
            for line in e.diff.lines().iter().skip(e.diff.changes.len()) {
                ui.line(format!("    {line}"));
            }
            for c in &e.consumers {
                let uses = if c.declares_uses {
                    format!(", uses {}", c.uses.join(", "))
                } else {
                    String::new()
                };
                let verdict = if c.breaks && !c.broken_items.is_empty() {
                    format!("breaks: loses {}", c.broken_items.join(", "))
                } else if c.breaks {
                    format!("breaks: {next} is outside its requirement")
                } else if !c.requirement.matches(next) {
                    "not broken; its requirement will need widening".to_owned()
                } else {
                    "not broken".to_owned()
                };
                let on = match &c.change_branch {
                    Some(b) => match (&b.commit, &b.note) {
                        (_, Some(note)) => format!(" [{note}]"),
                        (Some(commit), None) => format!(
                            " [as on its {} at {}]",
                            b.branch,
                            &commit[..commit.len().min(12)]
                        ),
                        (None, None) => String::new(),
                    },
                    None => String::new(),
                };
                ui.line(format!(
                    "  {} (imports {}{uses}): {verdict}{on}",
                    c.repo, c.requirement
                ));
            }
        }
        _ => ui.ok(format!("{name}@{version}: merging publishes nothing new")),
    }
    for n in &e.notes {
        ui.warn(format!("{name}: {n}"));
    }
}

/// `domain/contract`, as it displays.
struct Qualified<'a>(&'a str, &'a str);

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

/// Every import, in order (see [`print_import`]). A member with 2,000 imports
/// prints as many lines, most of them "current": those are assembled in one
/// buffer, and a version is displayed once for the imports that share it.
pub fn print_imports(ui: &Ui, imports: &[ImportStatus]) {
    let mut line = String::new();
    let mut shown: Option<(&semver::Version, String)> = None;
    for i in imports {
        if i.state != ImportState::Current || i.provider_change.is_some() || i.resolves.is_some() {
            print_import(ui, i);
            continue;
        }
        let version = match (&i.resolved_version, &shown) {
            (None, _) => "",
            (Some(v), Some((last, text))) if *last == v => text.as_str(),
            (Some(v), _) => shown.insert((v, v.to_string())).1.as_str(),
        };
        current_line(&mut line, i, version);
        ui.ok(&line);
    }
}

/// `domain/contract@version: import current (binding)`, written into `line`.
fn current_line(line: &mut String, i: &ImportStatus, version: &str) {
    line.clear();
    for piece in [
        &*i.domain,
        "/",
        &i.contract,
        "@",
        version,
        ": import current (",
        &i.binding,
        ")",
    ] {
        line.push_str(piece);
    }
}

/// One import: current, stale (with what changed), in grace or broken (with why).
fn print_import(ui: &Ui, i: &ImportStatus) {
    let name = Qualified(&i.domain, &i.contract);
    match i.state {
        ImportState::Current => {
            let version = i.resolved_version.as_ref().map(ToString::to_string);
            let mut line = String::new();
            current_line(&mut line, i, version.as_deref().unwrap_or_default());
            ui.ok(line);
        }
        ImportState::Stale if i.resolves.is_some() => {}
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
    if let Some(p) = &i.provider_change {
        match (&p.commit, &p.note) {
            (_, Some(note)) => ui.warn(format!("{name}: change '{}': {note}", p.change)),
            (Some(commit), None) => ui.line(format!(
                "  judged against {}'s {} ({}){}",
                p.provider,
                p.branch,
                &commit[..commit.len().min(12)],
                p.version
                    .as_ref()
                    .map(|v| format!(", {v} once merged"))
                    .unwrap_or_else(|| ", which changes nothing published".into())
            )),
            (None, None) => {}
        }
    }
    if let Some(v) = &i.resolves {
        let once = match &i.provider_change {
            Some(p) if p.version.is_some() => format!(" once {}'s change is published", p.provider),
            _ => String::new(),
        };
        ui.ok(format!(
            "{name}: this change resolves {v}{once} ({} changed; the next `git realm sync` after the merge records it)",
            i.binding
        ));
    }
}

//! `git realm status`: this repository's realms, its registration, the domains it
//! is in, and how old the local copy of each realm is.
//!
//! Reads local refs only unless `--fetch`, and only the files that concern this
//! repository, so it is cheap enough for a shell prompt.

use clap::Parser;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Exit, RealmFailure, Result};
use crate::git;
use crate::membership::{self, Membership};
use crate::model::{self, ChangeStatus, Name, RepoFile};
use crate::store::Store;
use crate::ui::contracts::{print_export, print_imports};
use crate::ui::{self, Paint, Ui};
use crate::workspace::{WorkingTree, Workspace};

/// Show this repository's realms, registration and domains
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-status",
    bin_name = "git realm status",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm status\n",
        "  git realm status --fetch --json\n",
        "  git realm status --short --exit-code   # for a shell prompt\n\n",
        crate::exit_status!()
    ),
)]
pub struct StatusArgs {
    /// Fetch every realm first (otherwise only local refs are read); a realm that
    /// cannot be reached is shown from its local copy, with a warning
    #[arg(long)]
    pub fetch: bool,

    /// One line per realm
    #[arg(long)]
    pub short: bool,

    /// Exit 1 when something needs attention (for example: not registered)
    #[arg(long)]
    pub exit_code: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Serialize)]
pub struct StatusReport {
    pub realms: Vec<RealmStatus>,
    /// Realms that could not be shown (each also reported on stderr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RealmFailure>,
}

#[derive(Serialize)]
pub struct RealmStatus {
    pub realm: String,
    pub url: String,
    pub member: Option<String>,
    pub registered: bool,
    pub domains: Vec<DomainRole>,
    /// Exports with local changes (or errors), as `check` reports them.
    pub pending_exports: Vec<contracts::ExportStatus>,
    /// Imports that are not current.
    pub attention_imports: Vec<contracts::ImportStatus>,
    /// Open coordinated changes this repository takes part in.
    pub changes: Vec<OpenChange>,
    pub local_copy: LocalCopy,
    /// `--fetch` could not reach the realm: why (the local copy is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_error: Option<String>,
}

#[derive(Serialize)]
pub struct OpenChange {
    pub id: String,
    pub branch: String,
    pub repos: Vec<String>,
    pub created_by: String,
}

#[derive(Serialize)]
pub struct DomainRole {
    pub domain: String,
    /// provider, consumer, provider+consumer, or member
    pub role: String,
    pub exports: Vec<String>,
    pub imports: Vec<String>,
}

#[derive(Serialize)]
pub struct LocalCopy {
    #[serde(rename = "ref")]
    pub reference: String,
    pub commit: Option<String>,
    pub commit_time: Option<String>,
    pub fetched_at: Option<String>,
    /// Seconds since the last fetch (`null`: never fetched).
    pub age_seconds: Option<i64>,
    /// Why the realm's latest state was refused by verification (the local copy
    /// stays on the last state that verified), until a fetch is adopted again.
    pub refused: Option<String>,
}

impl RealmStatus {
    fn needs_attention(&self) -> bool {
        !self.registered
            || self.local_copy.commit.is_none()
            || self.local_copy.refused.is_some()
            || !self.pending_exports.is_empty()
            || !self.attention_imports.is_empty()
    }
}

impl Command for StatusArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::selected(&repo, self.global.realm.as_ref())?;
        let each = membership::each(ui, &memberships, |m| {
            let store = Store::member(&repo, m.realm.as_str(), &m.url);
            // Offline is no reason to show nothing: the local copy, with a warning.
            let fetch_error = match self.fetch.then(|| store.fetch()) {
                Some(Err(e)) if e.exit == Exit::External => {
                    ui.warning(format!(
                        "cannot fetch realm '{}': {}; showing the local copy",
                        m.realm, e.message
                    ));
                    Some(e.message)
                }
                Some(Err(e)) => return Err(e),
                _ => None,
            };
            let today = git::now(&repo)?.to_zoned(jiff::tz::TimeZone::UTC).date();
            let mut status = realm_status(&store, m, &WorkingTree::new(&repo), today)?;
            status.fetch_error = fetch_error;
            Ok(status)
        })?;
        let (realms, failures, worst) = (each.done, each.failed, each.exit);
        let attention = realms.iter().any(RealmStatus::needs_attention);
        let report = StatusReport {
            realms,
            errors: failures,
        };
        if ui.json {
            ui.json(&report);
        } else if self.short {
            print_short(ui, &report);
        } else {
            print_long(ui, &report);
        }
        Ok(worst.worst(if self.exit_code && attention {
            Exit::Attention
        } else {
            Exit::Success
        }))
    }
}

fn realm_status(
    store: &Store<'_>,
    m: &Membership,
    workspace: &dyn Workspace,
    today: jiff::civil::Date,
) -> Result<RealmStatus> {
    let snapshot = store.snapshot()?;
    let now = jiff::Timestamp::now();
    let fetched = store
        .last_fetched()
        .and_then(|t| jiff::Timestamp::try_from(t).ok());
    let local_copy = LocalCopy {
        reference: store.local_ref(),
        commit: snapshot.commit().map(|c| c.to_string()),
        commit_time: snapshot
            .commit_time()?
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| t.to_string()),
        fetched_at: fetched.map(|t| t.to_string()),
        age_seconds: fetched.map(|t| (now - t).get_seconds()),
        refused: store.refused(),
    };
    let mut status = RealmStatus {
        realm: m.realm.to_string(),
        url: m.url.clone(),
        member: m.member.as_ref().map(Name::to_string),
        registered: false,
        domains: Vec::new(),
        pending_exports: Vec::new(),
        attention_imports: Vec::new(),
        changes: Vec::new(),
        local_copy,
        fetch_error: None,
    };
    let Some(me) = &m.member else {
        return Ok(status);
    };
    if snapshot.commit().is_none() {
        return Ok(status);
    }
    status.registered = snapshot
        .read::<RepoFile>(&model::paths::repo(me.as_str()))?
        .is_some();
    status.changes = snapshot
        .changes_naming(me)?
        .into_iter()
        .filter(|c| c.status == ChangeStatus::Open)
        .map(|c| OpenChange {
            id: c.id.to_string(),
            branch: c.branch,
            repos: c.repos.iter().map(ToString::to_string).collect(),
            created_by: c.created_by.to_string(),
        })
        .collect();
    let domains = contracts::domains_bound(&snapshot, me)?;
    status.domains = roles(&domains);
    let bindings = domains
        .into_iter()
        .filter_map(|(d, b)| Some((d, b?)))
        .collect();
    let scope = contracts::Scope {
        exports: true,
        imports: true,
        uncommitted: false,
        today: Some(today),
        against: None,
        attention_only: true,
    };
    let survey = contracts::survey_of(&snapshot, bindings, Some(workspace), scope)?;
    status.pending_exports = survey
        .exports
        .into_iter()
        .filter(|e| e.next_version.is_some() || e.error.is_some())
        .collect();
    // Only what needs attention was surveyed (`attention_only`).
    status.attention_imports = survey.imports;
    Ok(status)
}

/// The domains `me` takes part in, with its role in each.
fn roles(domains: &[(Name, Option<contracts::Bound>)]) -> Vec<DomainRole> {
    domains
        .iter()
        .map(|(domain, bound)| {
            let exports = bound.as_ref().map(|b| b.exports()).unwrap_or_default();
            let imports = bound.as_ref().map(|b| b.imports()).unwrap_or_default();
            let role = match (exports.is_empty(), imports.is_empty()) {
                (false, false) => "provider+consumer",
                (false, true) => "provider",
                (true, false) => "consumer",
                (true, true) => "member",
            };
            DomainRole {
                domain: domain.to_string(),
                role: role.to_owned(),
                exports,
                imports,
            }
        })
        .collect()
}

fn age_text(copy: &LocalCopy) -> String {
    match copy.age_seconds {
        Some(s) => format!("fetched {}", ui::ago(s)),
        None => "never fetched".to_owned(),
    }
}

fn print_short(ui: &Ui, report: &StatusReport) {
    if report.realms.is_empty() {
        ui.line("not in any realm");
    }
    for r in &report.realms {
        let state = if r.registered {
            ui.paint("registered", Paint::Green)
        } else {
            ui.paint("not registered", Paint::Yellow)
        };
        let mut parts = vec![format!(
            "{} domain{}",
            r.domains.len(),
            if r.domains.len() == 1 { "" } else { "s" }
        )];
        // Everything `--exit-code` counts is named here too.
        let count = |n: usize, what: &str, paint: Paint| {
            (n > 0).then(|| ui.paint(&format!("{n} {what}"), paint))
        };
        let stale = r
            .attention_imports
            .iter()
            .filter(|i| i.state == contracts::ImportState::Stale)
            .count();
        let broken = r.attention_imports.len() - stale;
        parts.extend(count(
            r.pending_exports.len(),
            if r.pending_exports.len() == 1 {
                "export pending"
            } else {
                "exports pending"
            },
            Paint::Yellow,
        ));
        parts.extend(count(
            stale,
            if stale == 1 {
                "import stale"
            } else {
                "imports stale"
            },
            Paint::Yellow,
        ));
        parts.extend(count(
            broken,
            if broken == 1 {
                "import broken"
            } else {
                "imports broken"
            },
            Paint::Red,
        ));
        if r.local_copy.commit.is_none() {
            parts.push(ui.paint("no local copy", Paint::Yellow));
        }
        parts.push(age_text(&r.local_copy));
        ui.line(format!(
            "{}: {} {state}, {}",
            r.realm,
            r.member.as_deref().unwrap_or("?"),
            parts.join(", ")
        ));
    }
}

fn print_long(ui: &Ui, report: &StatusReport) {
    if report.realms.is_empty() {
        ui.line("This repository is not a member of any realm.");
        ui.line("  Join one with `git realm join REALM-URL`.");
        return;
    }
    for (i, r) in report.realms.iter().enumerate() {
        if i > 0 {
            ui.line("");
        }
        let me = r.member.as_deref().unwrap_or("?");
        ui.line(ui.paint(
            &format!("{}{me} (in realm: {})", ui::symbol("📊 ", ""), r.realm),
            Paint::Bold,
        ));
        match (&r.local_copy.commit, r.registered) {
            (None, _) => {
                ui.warn(format!(
                    "No local copy of realm '{}' ({} is missing)",
                    r.realm, r.local_copy.reference
                ));
                ui.line("  Run `git realm status --fetch` to fetch it.");
            }
            (Some(_), true) => ui.ok(format!("Registered as {me} ({})", r.url)),
            (Some(_), false) => {
                ui.warn(format!("{me} is not registered in realm '{}'", r.realm));
                ui.line(format!(
                    "  If a join proposal is pending (branch join/{me}), an approver must merge it; then `git realm status --fetch`."
                ));
                ui.line(format!("  Otherwise run `git realm join {}`.", r.url));
            }
        }
        if r.domains.is_empty() {
            ui.line("  Domains: none yet");
        }
        for d in &r.domains {
            let mut parts = Vec::new();
            if !d.exports.is_empty() {
                parts.push(format!("exports {}", d.exports.join(", ")));
            }
            if !d.imports.is_empty() {
                parts.push(format!("imports {}", d.imports.join(", ")));
            }
            let detail = if parts.is_empty() {
                String::new()
            } else {
                format!(": {}", parts.join("; "))
            };
            ui.line(format!("  Domain '{}' ({}){detail}", d.domain, d.role));
        }
        if !r.pending_exports.is_empty() {
            ui.warn("Cross-repo change detected:");
            r.pending_exports.iter().for_each(|e| print_export(ui, e));
            ui.line("  Run `git realm sync` to update the realm.");
        }
        print_imports(ui, &r.attention_imports);
        for c in &r.changes {
            ui.line(format!(
                "  Change '{}' on {} with {} (started by {})",
                c.id,
                c.branch,
                c.repos.join(", "),
                c.created_by
            ));
        }
        let tip = r
            .local_copy
            .commit
            .as_deref()
            .map(|c| &c[..7.min(c.len())])
            .unwrap_or("none");
        ui.line(format!(
            "  Local copy: {} at {tip}, {}",
            r.local_copy.reference,
            age_text(&r.local_copy)
        ));
        if let Some(why) = &r.local_copy.refused {
            ui.bad(format!("  The realm's latest state was refused: {why}"));
        }
    }
}

//! `git realm sync`: publish this repository's changed exports with the semver
//! bump they imply, resolve its imports, and tell consumers.
//!
//! One realm commit per sync, built by an operation that is re-applied on the
//! newest realm state when another writer pushed first. If a contract we publish
//! moved underneath us (someone else published it meanwhile) and our value differs,
//! that is a conflict: reported, nothing overwritten. Notifications come after the
//! realm commit: each is claimed in that commit, and its issue url recorded once
//! sent, so a failing or missing `gh` loses nothing and no re-run opens it twice.

use std::collections::BTreeMap;

use clap::Parser;
use semver::Version;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts::{self, ImportState};
use crate::error::{Error, Exit, Result};
use crate::forge::{self, Gh};
use crate::git;
use crate::membership::{self, Membership};
use crate::model::{self, BindingFile, ContractFile, Name};
use crate::notes;
use crate::ops::{self, Pending, Proposed, SyncPlan};
pub use crate::ops::{Published, Resolved};
use crate::store::{Snapshot, Store};
use crate::ui::{Paint, Ui};
use crate::workspace::{WorkingTree, Workspace};

/// Publish changed exports, resolve imports, notify consumers
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-sync",
    bin_name = "git realm sync",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Semver rules: items added → minor; items removed or changed → major;\n",
        "description only → patch; no change → no new version.\n\n",
        "Examples:\n",
        "  git realm sync\n",
        "  git realm sync --dry-run\n",
        "  git realm sync -m 'Add training-metrics paths' --no-notify\n",
        "  git realm sync --force        # publish a breaking change consumers still rely on\n\n",
        crate::exit_status!()
    ),
)]
pub struct SyncArgs {
    /// Print what would happen; write nothing anywhere (uses the local realm copy)
    #[arg(long)]
    pub dry_run: bool,

    /// Do not open issues for consumers now (they stay pending for the next sync)
    #[arg(long)]
    pub no_notify: bool,

    /// Publish breaking changes even though current consumers still rely on them
    #[arg(long)]
    pub force: bool,

    /// A message for the changelog and the realm commit
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notified {
    pub repo: String,
    pub domain: String,
    pub contract: String,
    pub version: Version,
    /// The issue url, or `null` when it could not be sent (see `error`).
    pub url: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub realm: String,
    pub repo: String,
    pub dry_run: bool,
    pub commit: Option<String>,
    pub published: Vec<Published>,
    pub proposed: Vec<Proposed>,
    pub resolved: Vec<Resolved>,
    pub unresolved: Vec<Pending>,
    pub export_errors: Vec<Pending>,
    pub notifications: Vec<Notified>,
    pub skipped_notifications: Vec<String>,
}

impl Command for SyncArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::at_least_one(&repo, self.global.realm.as_ref())?;
        let mut reports = Vec::new();
        let mut exit = Exit::Success;
        for m in &memberships {
            let (report, realm_exit) = self.sync_one(&repo, m, ui)?;
            if realm_exit != Exit::Success {
                exit = realm_exit;
            }
            reports.push(report);
        }
        if ui.json {
            ui.json(&serde_json::json!({ "realms": reports }));
        }
        Ok(exit)
    }
}

impl SyncArgs {
    fn sync_one(
        &self,
        repo: &gix::Repository,
        m: &Membership,
        ui: &Ui,
    ) -> Result<(SyncReport, Exit)> {
        let me = m.me()?;
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let workspace = WorkingTree::new(repo);
        let head = workspace.head();
        let at = git::now(repo)?;
        let mut report = SyncReport {
            realm: m.realm.to_string(),
            repo: me.to_string(),
            dry_run: self.dry_run,
            ..Default::default()
        };
        ui.line(format!("📤 Syncing with realm '{}'...", m.realm));

        let mut op = SyncPlan::new(me.clone(), self.message.clone(), self.force, at, &workspace);
        let plan = if self.dry_run {
            store.preview(&mut op)?.value
        } else {
            let updated = store.update(&mut op)?;
            report.commit = updated.commit.map(|c| c.to_string());
            updated.value
        };
        report.published = plan.published;
        report.resolved = plan.resolved;
        report.unresolved = plan.unresolved;
        report.export_errors = plan.export_errors;

        if !self.dry_run {
            // Resolution notes on HEAD, once the realm has the resolution.
            if let Some(head) = head
                && report.commit.is_some()
            {
                let lines: Vec<String> = report
                    .resolved
                    .iter()
                    .map(|r| resolution_note(m.realm.as_str(), &r.domain, &r.contract, &r.version))
                    .collect();
                if !lines.is_empty() {
                    notes::append(repo, head, &lines)?;
                }
            }
            for (proposed, contract) in &plan.proposed {
                store.propose(
                    &proposed.branch,
                    &mut ops::ProposeVersion {
                        repo: me.clone(),
                        domain: proposed.domain.clone(),
                        contract: contract.clone(),
                    },
                )?;
                let mut proposed = proposed.clone();
                let title = format!(
                    "{}/{} {}: breaking change proposed by {me}",
                    proposed.domain, proposed.contract, proposed.version
                );
                let body = format!(
                    "{me} proposes **{}/{} {}**, a breaking change. This realm requires approval for breaking changes: merging this pull request publishes it.\n\nChanges:\n\n```\n{}\n```\n",
                    proposed.domain,
                    proposed.contract,
                    proposed.version,
                    contract
                        .changelog
                        .last()
                        .map(|e| e.changes.join("\n"))
                        .unwrap_or_default()
                );
                match forge::realm_proposal_pr(repo, &m.url, &proposed.branch, &title, &body) {
                    Ok(url) => proposed.pr_url = url,
                    Err(e) => proposed.error = Some(e.message),
                }
                report.proposed.push(proposed);
            }
        } else {
            report.proposed = plan.proposed.into_iter().map(|(p, _)| p).collect();
        }

        let mut exit = if report.proposed.iter().any(|p| p.error.is_some()) {
            Exit::External
        } else {
            Exit::Success
        };
        if !self.dry_run && !self.no_notify {
            let notified = self.notify(repo, &store, &me, ui, &mut report)?;
            if notified != Exit::Success {
                exit = notified;
            }
        } else if !self.dry_run || !report.published.is_empty() {
            pending_notifications(&store.snapshot()?, &me, &mut report, self.dry_run)?;
        }
        print_report(ui, &report, self.no_notify);
        Ok((report, exit))
    }

    /// Open one issue per consumer per version not yet notified, and record the urls.
    fn notify(
        &self,
        repo: &gix::Repository,
        store: &Store<'_>,
        me: &Name,
        ui: &Ui,
        report: &mut SyncReport,
    ) -> Result<Exit> {
        let snapshot = store.snapshot()?;
        let due = due_notifications(&snapshot, me)?;
        skipped_consumers(&snapshot, report)?;
        if due.is_empty() {
            return Ok(Exit::Success);
        }
        let gh = match Gh::locate(Some(repo)) {
            Ok(gh) => gh,
            Err(e) => {
                for d in &due {
                    report.notifications.push(d.failed(&e.message));
                }
                ui.warn(format!(
                    "{}; {} notification(s) stay pending for the next sync",
                    e.message,
                    due.len()
                ));
                return Ok(Exit::External);
            }
        };
        let mut exit = Exit::Success;
        let mut sent: Vec<Notified> = Vec::new();
        for d in due {
            let title = issue_title(&d);
            let body = issue_body(&d, me);
            match gh.issue_create(&d.slug, &title, &body) {
                Ok(url) => sent.push(
                    Notified {
                        url: Some(url),
                        ..d.failed("")
                    }
                    .ok(),
                ),
                Err(e) => {
                    exit = Exit::External;
                    report.notifications.push(d.failed(&e.message));
                }
            }
        }
        if !sent.is_empty() {
            store.update(&mut ops::RecordNotifications {
                repo: me.clone(),
                sent: sent
                    .iter()
                    .filter_map(|n| {
                        Some(ops::SentNotification {
                            domain: n.domain.clone(),
                            contract: n.contract.clone(),
                            repo: n.repo.clone(),
                            version: n.version.clone(),
                            url: n.url.clone()?,
                        })
                    })
                    .collect(),
            })?;
        }
        report.notifications.extend(sent);
        Ok(exit)
    }
}

/// A claimed notification that has no issue yet.
struct Due {
    repo: String,
    slug: String,
    domain: String,
    contract: String,
    version: Version,
    changes: Vec<String>,
    requirement: String,
    binding: String,
}

impl Due {
    fn failed(&self, error: &str) -> Notified {
        Notified {
            repo: self.repo.clone(),
            domain: self.domain.clone(),
            contract: self.contract.clone(),
            version: self.version.clone(),
            url: None,
            error: (!error.is_empty()).then(|| error.to_owned()),
        }
    }
}

impl Notified {
    fn ok(mut self) -> Self {
        self.error = None;
        self
    }
}

/// Every claimed, unsent notification of the contracts `me` provides.
fn due_notifications(snapshot: &Snapshot<'_>, me: &Name) -> Result<Vec<Due>> {
    let mut due = Vec::new();
    for (domain, binding) in contracts::bindings_of(snapshot, me)? {
        for export in &binding.exports {
            let path = model::paths::contract(domain.as_str(), export.contract.as_str());
            let Some(contract) = snapshot.read::<ContractFile>(&path)? else {
                continue;
            };
            let consumers = contracts::consumers(snapshot, domain.as_str(), &export.contract)?;
            for n in contract.notifications.iter().filter(|n| n.url.is_none()) {
                let Some(slug) = forge::repo_slug(snapshot, n.repo.as_str())? else {
                    continue;
                };
                let consumer = consumers.iter().find(|c| c.repo == n.repo.as_str());
                let binding = match consumer {
                    Some(_) => {
                        let b = snapshot.read::<BindingFile>(&model::paths::binding(
                            domain.as_str(),
                            n.repo.as_str(),
                        ))?;
                        b.and_then(|b| {
                            b.imports
                                .into_iter()
                                .find(|i| i.contract == export.contract)
                        })
                        .map(|i| i.binding.to_string())
                        .unwrap_or_default()
                    }
                    None => String::new(),
                };
                let changes = contract
                    .changelog
                    .iter()
                    .find(|e| e.version == n.version)
                    .map(|e| e.changes.clone())
                    .unwrap_or_default();
                due.push(Due {
                    repo: n.repo.to_string(),
                    slug,
                    domain: domain.to_string(),
                    contract: contract.name.to_string(),
                    version: n.version.clone(),
                    changes,
                    requirement: consumer
                        .map(|c| c.requirement.to_string())
                        .unwrap_or_default(),
                    binding,
                });
            }
        }
    }
    Ok(due)
}

/// Consumers of our exports that cannot be notified (not on GitHub).
fn skipped_consumers(snapshot: &Snapshot<'_>, report: &mut SyncReport) -> Result<()> {
    for p in &report.published {
        for c in contracts::consumers(
            snapshot,
            &p.domain,
            &p.contract.parse().map_err(Error::usage)?,
        )? {
            if forge::repo_slug(snapshot, &c.repo)?.is_none() {
                report.skipped_notifications.push(format!(
                    "{}: not on GitHub, no issue opened for {}/{}@{} (tell them: `git realm check --fetch` shows it)",
                    c.repo, p.domain, p.contract, p.to
                ));
            }
        }
    }
    Ok(())
}

/// With `--no-notify` or `--dry-run`: list what is (or would be) pending.
fn pending_notifications(
    snapshot: &Snapshot<'_>,
    me: &Name,
    report: &mut SyncReport,
    dry_run: bool,
) -> Result<()> {
    if dry_run {
        for p in &report.published {
            for c in contracts::consumers(
                snapshot,
                &p.domain,
                &p.contract.parse().map_err(Error::usage)?,
            )? {
                if forge::repo_slug(snapshot, &c.repo)?.is_some() {
                    report.notifications.push(Notified {
                        repo: c.repo.clone(),
                        domain: p.domain.clone(),
                        contract: p.contract.clone(),
                        version: p.to.clone(),
                        url: None,
                        error: Some("dry run: not sent".to_owned()),
                    });
                }
            }
        }
    } else {
        for d in due_notifications(snapshot, me)? {
            report
                .notifications
                .push(d.failed("--no-notify: pending for the next sync"));
        }
    }
    skipped_consumers(snapshot, report)
}

fn issue_title(d: &Due) -> String {
    let first = d
        .changes
        .iter()
        .find(|c| c.starts_with('+') || c.starts_with('-'));
    match first {
        Some(change) => format!("{}/{} {}: {change}", d.domain, d.contract, d.version),
        None => format!("{}/{} {} published", d.domain, d.contract, d.version),
    }
}

fn issue_body(d: &Due, provider: &Name) -> String {
    let mut body = format!(
        "**{provider}** published **{}/{} {}**.\n\n",
        d.domain, d.contract, d.version
    );
    if !d.changes.is_empty() {
        body.push_str("Changes:\n\n```\n");
        for c in &d.changes {
            body.push_str(c);
            body.push('\n');
        }
        body.push_str("```\n\n");
    }
    if !d.binding.is_empty() {
        body.push_str(&format!(
            "Your import ({}) is implemented in `{}`. Update it, commit, then run `git realm sync` to resolve {}.\n",
            d.requirement, d.binding, d.version
        ));
    }
    body.push_str("\n<sub>Opened by git-realm. `git realm check --fetch` shows the state of your imports.</sub>\n");
    body
}

fn print_report(ui: &Ui, r: &SyncReport, no_notify: bool) {
    if ui.json {
        return;
    }
    let mut by_domain: BTreeMap<&str, Vec<&Published>> = BTreeMap::new();
    for p in &r.published {
        by_domain.entry(&p.domain).or_default().push(p);
    }
    for (domain, items) in by_domain {
        ui.line(format!("Contracts updated in domain '{domain}':"));
        for p in items {
            ui.line(format!(
                "  {}: {} → {} ({})",
                p.contract, p.from, p.to, p.bump
            ));
            for c in &p.changes {
                ui.line(format!("    {c}"));
            }
        }
    }
    for p in &r.proposed {
        ui.warn(format!(
            "{}/{} {}: breaking changes need approval in this realm: proposed on branch {}",
            p.domain, p.contract, p.version, p.branch
        ));
        match (&p.pr_url, &p.error) {
            (Some(url), _) => ui.line(format!("  Pull request for approval: {url}")),
            (None, Some(err)) => ui.bad(format!(
                "could not open a pull request for {}: {err}",
                p.branch
            )),
            (None, None) => ui.line(format!(
                "  An approver merges {} into the realm's main branch to publish it.",
                p.branch
            )),
        }
    }
    let mut resolved: BTreeMap<&str, Vec<&Resolved>> = BTreeMap::new();
    for x in &r.resolved {
        resolved.entry(&x.domain).or_default().push(x);
    }
    for (domain, items) in resolved {
        ui.line(format!("Imports resolved in domain '{domain}':"));
        for x in items {
            ui.line(format!("  {}: now at {}", x.contract, x.version));
        }
    }
    for u in &r.unresolved {
        let mark = if u.state == ImportState::Broken {
            "❌"
        } else {
            "⚠"
        };
        let paint = if u.state == ImportState::Broken {
            Paint::Red
        } else {
            Paint::Yellow
        };
        ui.line(format!(
            "{} {}/{}: {}",
            ui.paint(mark, paint),
            u.domain,
            u.contract,
            u.reason
        ));
    }
    for e in &r.export_errors {
        ui.bad(format!(
            "{}/{}: not published: {}",
            e.domain, e.contract, e.reason
        ));
    }
    if !r.notifications.is_empty() || !r.skipped_notifications.is_empty() {
        ui.line("Notifying affected repos:");
    }
    for n in &r.notifications {
        match (&n.url, &n.error) {
            (Some(url), _) => ui.ok(format!(
                "{}: opened {url} ({}/{} {})",
                n.repo, n.domain, n.contract, n.version
            )),
            (None, Some(err)) if no_notify || r.dry_run => ui.line(format!(
                "  {}: {}/{} {} ({err})",
                n.repo, n.domain, n.contract, n.version
            )),
            (None, err) => ui.bad(format!(
                "{}: could not open an issue for {}/{} {}: {} (retried on the next sync)",
                n.repo,
                n.domain,
                n.contract,
                n.version,
                err.as_deref().unwrap_or("unknown error")
            )),
        }
    }
    for s in &r.skipped_notifications {
        ui.line(format!("  {s}"));
    }
    match (&r.commit, r.dry_run) {
        (_, true) => ui.line("Dry run: nothing was written."),
        (Some(c), _) => ui.ok(format!("Realm synced (commit {})", &c[..7])),
        (None, _) if r.published.is_empty() && r.resolved.is_empty() => {
            ui.ok("Nothing to publish or resolve: realm unchanged")
        }
        (None, _) => ui.ok("Realm unchanged"),
    }
}

/// The JSON-line note recording that HEAD resolves an import.
pub fn resolution_note(realm: &str, domain: &str, contract: &str, version: &Version) -> String {
    serde_json::json!({
        "realm": realm,
        "resolves": format!("{domain}/{contract}@{version}"),
    })
    .to_string()
}

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
use crate::contracts::ImportState;
use crate::error::{Exit, RealmFailure, Result};
use crate::forge::{self};
use crate::git;
use crate::membership::{self, Membership};
use crate::notes;
use crate::notify::{self, Notified};
use crate::ops::{self, Pending, Proposed, SyncPlan};
pub use crate::ops::{Published, Resolved};
use crate::store::Store;
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
        "Values are computed from the code at HEAD (committed files only), and only\n",
        "published from the default branch unless --from-branch.\n\n",
        "Semver rules: items added → minor; items removed or changed → major;\n",
        "description only → patch; no change → no new version. A breaking version is\n",
        "refused while it breaks a consumer: removes or changes an item it uses (or, for\n",
        "a consumer that declares no uses, falls outside its requirement).\n\n",
        "Examples:\n",
        "  git realm sync\n",
        "  git realm sync --dry-run\n",
        "  git realm sync -m 'Add training-metrics paths' --no-notify\n",
        "  git config realm.notify false  # notify only with `git realm sync --notify`\n",
        "  git realm sync --force        # publish a breaking change consumers still rely on\n\n",
        crate::exit_status!()
    ),
)]
pub struct SyncArgs {
    /// Print what would happen; write nothing anywhere (uses the local realm copy)
    #[arg(long)]
    pub dry_run: bool,

    /// Do not open issues for consumers now (they stay pending for the next sync); the default with `git config realm.notify false`
    #[arg(long, overrides_with = "notify")]
    pub no_notify: bool,

    /// Open issues for consumers now, even with `git config realm.notify false`
    #[arg(long, overrides_with = "no_notify")]
    pub notify: bool,

    /// Publish breaking changes even though current consumers still rely on them,
    /// or from a checkout behind the commit the current version came from
    #[arg(long)]
    pub force: bool,

    /// Publish from HEAD even though it is not the default branch (origin/HEAD, else
    /// main or master)
    #[arg(long)]
    pub from_branch: bool,

    /// A message for the changelog and the realm commit
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,

    #[command(flatten)]
    pub global: GlobalArgs,
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
    /// Exports with committed changes not published from this branch.
    pub held: Vec<Pending>,
    pub warnings: Vec<String>,
    pub notifications: Vec<Notified>,
    pub skipped_notifications: Vec<String>,
}

/// `sync --json`: one report per realm.
#[derive(Serialize)]
pub struct SyncReports {
    pub realms: Vec<SyncReport>,
    /// Realms that could not be synced (each also reported on stderr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RealmFailure>,
}

impl Command for SyncArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::at_least_one(&repo, self.global.realm.as_ref())?;
        // Every realm is synced and reported; the exit status is the worst one.
        let each = membership::each(ui, &memberships, |m| self.sync_one(&repo, m, ui))?;
        let mut exit = each.exit;
        let mut reports = Vec::new();
        for (report, realm_exit) in each.done {
            exit = exit.worst(realm_exit);
            reports.push(report);
        }
        if ui.json {
            ui.json(&SyncReports {
                realms: reports,
                errors: each.failed,
            });
        }
        Ok(exit)
    }
}

impl SyncArgs {
    /// `--no-notify`, else not `--notify`, else `git config realm.notify false`.
    fn no_notify(&self, repo: &gix::Repository) -> Result<bool> {
        if self.no_notify || self.notify {
            return Ok(self.no_notify);
        }
        Ok(!crate::settings::notify(repo)?)
    }

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
        op.from_branch = self.from_branch;
        let no_notify = self.no_notify(repo)?;
        // Left unsent, the notifications are reported from the state the sync
        // published, read as it was written (no snapshot of the new commit).
        let mut unsent = None;
        let plan = if self.dry_run {
            store.preview(&mut op)?.value
        } else if no_notify {
            let (updated, read) = store.update_and_read(&mut op, |after, plan| {
                let published = published_versions(&plan.published);
                Ok((
                    notify::pending(after, &me)?,
                    notify::unreachable(after, &published)?,
                ))
            })?;
            report.commit = updated.commit.map(|c| c.to_string());
            unsent = Some(read);
            updated.value
        } else {
            let updated = store.update(&mut op)?;
            report.commit = updated.commit.map(|c| c.to_string());
            updated.value
        };
        report.published = plan.published;
        report.resolved = plan.resolved;
        report.unresolved = plan.unresolved;
        report.export_errors = plan.export_errors;
        report.held = plan.held;
        report.warnings = plan.warnings;

        if !self.dry_run {
            // Resolution notes on HEAD, once the realm has the resolution.
            if let Some(head) = head
                && report.commit.is_some()
            {
                let lines: Vec<String> = report
                    .resolved
                    .iter()
                    .map(|r| {
                        notes::resolution(m.realm.as_str(), &r.domain, &r.contract, &r.version)
                    })
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
        let published = published_versions(&report.published);
        if let Some((pending, unreachable)) = unsent {
            report.notifications = pending;
            report.skipped_notifications = unreachable;
        } else if !self.dry_run && !no_notify {
            let snapshot = store.snapshot()?;
            report.skipped_notifications = notify::unreachable(&snapshot, &published)?;
            let sent = notify::send_due(repo, &store, &snapshot, &me)?;
            if let Some(why) = &sent.gh_missing {
                ui.warn(format!(
                    "{why}; {} notification(s) stay pending for the next sync",
                    sent.notifications.len()
                ));
            }
            if sent.exit != Exit::Success {
                exit = sent.exit;
            }
            report.notifications = sent.notifications;
        } else if self.dry_run && !report.published.is_empty() {
            let snapshot = store.snapshot()?;
            report.notifications = notify::would_send(&snapshot, &published)?;
            report.skipped_notifications = notify::unreachable(&snapshot, &published)?;
        }
        if !report.export_errors.is_empty() {
            // An export that could not be computed was not published: say so in
            // the exit status too, as `check` does.
            exit = exit.worst(Exit::Attention);
        }
        print_report(ui, &report, no_notify, exit);
        Ok((report, exit))
    }
}

fn print_report(ui: &Ui, r: &SyncReport, no_notify: bool, exit: Exit) {
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
            for c in p
                .consumers
                .iter()
                .filter(|c| !c.breaks && !c.requirement.matches(&p.to))
            {
                ui.line(format!(
                    "  {}: uses nothing that changed; its import ({}) is stale until it widens the requirement",
                    c.repo, c.requirement
                ));
            }
        }
    }
    for w in &r.warnings {
        ui.warn(w.clone());
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
            crate::ui::Mark::Bad.symbol()
        } else {
            crate::ui::Mark::Warn.symbol()
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
    for h in &r.held {
        ui.warn(format!("{}/{}: {}", h.domain, h.contract, h.reason));
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
            (Some(url), _) if n.found => ui.ok(format!(
                "{}: already opened {url} ({}/{} {}; found by its marker, not opened again)",
                n.repo, n.domain, n.contract, n.version
            )),
            (Some(url), _) => ui.ok(format!(
                "{}: opened {url} ({}/{} {})",
                n.repo, n.domain, n.contract, n.version
            )),
            (None, Some(err)) if err.starts_with("being sent by another sync") => ui.line(format!(
                "  {}: {}/{} {} ({err})",
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
    let failed = r
        .notifications
        .iter()
        .filter(|n| n.url.is_none() && n.error.is_some())
        .count()
        + r.proposed.iter().filter(|p| p.error.is_some()).count();
    if exit != Exit::Success && !r.dry_run {
        // Something could not be sent: never end on a ✓.
        let state = match &r.commit {
            Some(c) => format!("Realm synced (commit {})", &c[..7]),
            None => "Realm unchanged".to_owned(),
        };
        let mut why = Vec::new();
        if failed > 0 {
            why.push(format!(
                "{failed} notification(s) or proposal(s) could not be sent: re-run `git realm sync` to retry"
            ));
        }
        if !r.export_errors.is_empty() {
            why.push(format!(
                "{} export(s) could not be computed and were not published (see above)",
                r.export_errors.len()
            ));
        }
        ui.warn(format!("{state}, but {}", why.join("; ")));
        return;
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

/// The `(domain, contract, version)` of each published export.
fn published_versions(published: &[Published]) -> Vec<(String, String, Version)> {
    published
        .iter()
        .map(|p| (p.domain.clone(), p.contract.clone(), p.to.clone()))
        .collect()
}

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
use std::path::Path;

use clap::Parser;
use semver::Version;
use serde::Serialize;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts::{self, Bump, ImportState, Scope, Survey};
use crate::error::{Context, Error, Exit, Result};
use crate::forge::{self, Gh};
use crate::git;
use crate::membership::{self, Membership};
use crate::model::{
    self, BindingFile, ChangelogEntry, CommitId, ContractFile, Name, Notification, RealmFile,
};
use crate::notes;
use crate::store::{Edits, Snapshot, Store};
use crate::ui::{Paint, Ui};

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

/// One version published by this sync.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub domain: String,
    pub contract: String,
    pub from: Version,
    pub to: Version,
    pub bump: Bump,
    pub changes: Vec<String>,
}

/// A breaking change sent to a proposal branch for approval.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    pub domain: String,
    pub contract: String,
    pub version: Version,
    pub branch: String,
    /// The pull request on the realm repository, when the realm is on GitHub.
    pub pr_url: Option<String>,
    /// Why the pull request could not be opened (the branch stands).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub domain: String,
    pub contract: String,
    pub version: Version,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub domain: String,
    pub contract: String,
    pub state: ImportState,
    pub reason: String,
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

/// What the sync operation decided on one attempt.
#[derive(Default)]
struct Plan {
    published: Vec<Published>,
    proposed: Vec<(Proposed, ContractFile)>,
    resolved: Vec<Resolved>,
    unresolved: Vec<Pending>,
    export_errors: Vec<Pending>,
}

impl SyncArgs {
    fn sync_one(
        &self,
        repo: &gix::Repository,
        m: &Membership,
        ui: &Ui,
    ) -> Result<(SyncReport, Exit)> {
        let me = m.me()?;
        let workdir = repo.workdir().map(ToOwned::to_owned);
        let store = Store::member(repo, m.realm.as_str(), &m.url);
        let head = head_commit(repo)?;
        let at = git::now(repo)?;
        let mut report = SyncReport {
            realm: m.realm.to_string(),
            repo: me.to_string(),
            dry_run: self.dry_run,
            ..Default::default()
        };
        ui.line(format!("📤 Syncing with realm '{}'...", m.realm));

        // The versions we saw first: if one moves under us, someone else published.
        let mut expected: BTreeMap<(String, String), Version> = BTreeMap::new();
        let mut op = |snapshot: &Snapshot<'_>, edits: &mut Edits| -> Result<Plan> {
            self.plan(
                repo,
                snapshot,
                edits,
                &me,
                workdir.as_deref(),
                head,
                at,
                &mut expected,
            )
        };
        let plan = if self.dry_run {
            let snapshot = store.snapshot()?;
            let mut scratch = Edits::scratch();
            op(&snapshot, &mut scratch)?
        } else {
            let updated = store.update(&format!("{me}: sync"), op)?;
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
                let path = model::paths::contract(&proposed.domain, &proposed.contract);
                let message = format!(
                    "{me}: propose {}/{}@{}",
                    proposed.domain, proposed.contract, proposed.version
                );
                store.propose(&proposed.branch, &message, |_, edits| {
                    edits.put(&path, contract);
                    Ok(())
                })?;
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

    /// The sync operation: decide from `snapshot` alone (it is re-applied on newer
    /// states), writing the contract and binding changes into `edits`.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        repo: &gix::Repository,
        snapshot: &Snapshot<'_>,
        edits: &mut Edits,
        me: &Name,
        workdir: Option<&Path>,
        head: Option<gix::ObjectId>,
        at: model::Timestamp,
        expected: &mut BTreeMap<(String, String), Version>,
    ) -> Result<Plan> {
        let realm: RealmFile = snapshot.realm()?;
        let survey: Survey = contracts::survey(
            snapshot,
            me,
            workdir,
            Scope {
                exports: true,
                imports: true,
            },
        )?;
        let mut plan = Plan::default();
        let today = at.to_zoned(jiff::tz::TimeZone::UTC).date();

        for export in &survey.exports {
            if let Some(err) = &export.error {
                plan.export_errors.push(Pending {
                    domain: export.domain.clone(),
                    contract: export.contract.clone(),
                    state: ImportState::Broken,
                    reason: err.clone(),
                });
                continue;
            }
            let key = (export.domain.clone(), export.contract.clone());
            let seen = expected
                .entry(key)
                .or_insert_with(|| export.version.clone().unwrap_or(Version::new(0, 0, 0)));
            let (Some(current), Some(next), Some(bump), Some(value)) = (
                &export.version,
                &export.next_version,
                export.bump,
                &export.value,
            ) else {
                continue;
            };
            if current != seen {
                return Err(Error::conflict(format!(
                    "{}/{} moved from {seen} to {current} while syncing: someone else published it, and your value differs",
                    export.domain, export.contract
                ))
                .hint("nothing was written; run `git realm check --fetch` to see the difference, then sync again"));
            }
            let path = model::paths::contract(&export.domain, &export.contract);
            let mut contract = snapshot.require::<ContractFile>(&path, "contract")?;
            if &contract.owner != me {
                return Err(Error::conflict(format!(
                    "{}/{} is now provided by {}, not {me}",
                    export.domain, export.contract, contract.owner
                )));
            }
            let mut changes: Vec<String> = self.message.iter().cloned().collect();
            changes.extend(export.diff.lines());
            let exp = export
                .export
                .as_ref()
                .expect("a survey export carries its declaration");
            contract.version = next.clone();
            contract.value = value.clone();
            if let Some(d) = &exp.description {
                contract.description = d.clone();
            }
            if exp.schema.is_some() {
                contract.schema = exp.schema.clone();
            }
            contract.changelog.push(ChangelogEntry {
                version: next.clone(),
                date: today,
                changes: changes.clone(),
            });
            for consumer in &export.consumers {
                if forge::repo_slug(snapshot, &consumer.repo)?.is_some()
                    && !contract
                        .notifications
                        .iter()
                        .any(|n| n.repo == consumer.repo.as_str() && &n.version == next)
                {
                    contract.notifications.push(Notification {
                        repo: consumer.repo.parse().map_err(Error::usage)?,
                        version: next.clone(),
                        url: None,
                    });
                }
            }

            if bump == Bump::Major {
                let relying: Vec<String> = export
                    .consumers
                    .iter()
                    .filter(|c| !c.requirement.matches(next))
                    .map(|c| {
                        let at = c
                            .resolved_version
                            .as_ref()
                            .map(|v| format!(", at {v}"))
                            .unwrap_or_default();
                        format!(
                            "{} imports {}/{} {}{at}",
                            c.repo, export.domain, export.contract, c.requirement
                        )
                    })
                    .collect();
                if realm.governance.breaking_changes.require_approval {
                    let branch = format!("proposal/{me}/{}-{next}", export.contract);
                    plan.proposed.push((
                        Proposed {
                            domain: export.domain.clone(),
                            contract: export.contract.clone(),
                            version: next.clone(),
                            branch,
                            pr_url: None,
                            error: None,
                        },
                        contract,
                    ));
                    continue;
                }
                if !relying.is_empty() && !self.force {
                    let mut err = Error::conflict(format!(
                        "refusing a breaking change: {}/{} {current} → {next} removes or changes what consumers rely on",
                        export.domain, export.contract
                    ));
                    for line in export.diff.lines() {
                        err = err.hint(format!("  {line}"));
                    }
                    for r in relying {
                        err = err.hint(r);
                    }
                    return Err(err.hint(
                        "publish it anyway with `git realm sync --force`, or keep the old items",
                    ));
                }
            }
            edits.put(&path, &contract);
            plan.published.push(Published {
                domain: export.domain.clone(),
                contract: export.contract.clone(),
                from: current.clone(),
                to: next.clone(),
                bump,
                changes,
            });
        }

        let mut bindings: BTreeMap<String, BindingFile> = BTreeMap::new();
        for import in &survey.imports {
            if import.state == ImportState::Current {
                continue;
            }
            let pending = |reason: String| Pending {
                domain: import.domain.clone(),
                contract: import.contract.clone(),
                state: import.state,
                reason,
            };
            if import.state == ImportState::Broken {
                plan.unresolved
                    .push(pending(import.reason.clone().unwrap_or_default()));
                continue;
            }
            let latest = import
                .latest_version
                .clone()
                .expect("a stale import has a newest version");
            let binding_path = model::paths::binding(&import.domain, me.as_str());
            let binding = match bindings.get(&binding_path) {
                Some(b) => b.clone(),
                None => snapshot.require::<BindingFile>(&binding_path, "binding")?,
            };
            let decl = binding
                .imports
                .iter()
                .find(|i| i.contract == import.contract.as_str())
                .cloned()
                .expect("the survey found this import in the binding");
            let Some(head) = head else {
                plan.unresolved
                    .push(pending("this repository has no commits yet".to_owned()));
                continue;
            };
            let satisfied = match &decl.verify {
                Some(pattern) => {
                    let contract = snapshot.require::<ContractFile>(
                        &model::paths::contract(&import.domain, &import.contract),
                        "contract",
                    )?;
                    match workdir {
                        Some(w) => contracts::verify(w, &decl.binding, pattern, &contract.value)?
                            .is_empty(),
                        None => false,
                    }
                }
                None => binding_changed(repo, head, decl.resolved_commit.as_ref(), &decl.binding)?,
            };
            if !satisfied {
                let why = match &decl.verify {
                    Some(_) => format!(
                        "{} does not provide {latest} yet: update it, commit, and sync",
                        decl.binding
                    ),
                    None => format!(
                        "{latest} available: update {} and commit it, then sync (it has not changed since {})",
                        decl.binding,
                        decl.resolved_version
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| "the import".into())
                    ),
                };
                plan.unresolved.push(pending(why));
                continue;
            }
            let mut updated = binding.clone();
            for i in updated
                .imports
                .iter_mut()
                .filter(|i| i.contract == import.contract.as_str())
            {
                i.resolved_version = Some(latest.clone());
                i.resolved_commit =
                    Some(head.to_string().parse::<CommitId>().map_err(Error::usage)?);
                i.resolved_at = Some(at);
            }
            edits.put(&binding_path, &updated);
            bindings.insert(binding_path, updated);
            plan.resolved.push(Resolved {
                domain: import.domain.clone(),
                contract: import.contract.clone(),
                version: latest,
            });
        }

        let mut what: Vec<String> = plan
            .published
            .iter()
            .map(|p| format!("{}/{}@{}", p.domain, p.contract, p.to))
            .collect();
        what.extend(
            plan.resolved
                .iter()
                .map(|r| format!("resolve {}/{}@{}", r.domain, r.contract, r.version)),
        );
        edits.message = match &self.message {
            Some(msg) => format!("{me}: {msg}\n\n{}", what.join("\n")),
            None => format!("{me}: sync {}", what.join(", ")),
        };
        Ok(plan)
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
            let record = sent.clone();
            store.update(&format!("{me}: record notifications"), |snapshot, edits| {
                let mut changed: BTreeMap<String, ContractFile> = BTreeMap::new();
                for n in &record {
                    let path = model::paths::contract(&n.domain, &n.contract);
                    let mut c = match changed.remove(&path) {
                        Some(c) => c,
                        None => snapshot.require::<ContractFile>(&path, "contract")?,
                    };
                    for entry in c.notifications.iter_mut() {
                        if entry.repo == n.repo.as_str()
                            && entry.version == n.version
                            && entry.url.is_none()
                        {
                            entry.url = n.url.clone();
                        }
                    }
                    changed.insert(path, c);
                }
                for (path, c) in &changed {
                    edits.put(path, c);
                }
                Ok(())
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

/// `HEAD`'s commit, if the repository has one.
pub fn head_commit(repo: &gix::Repository) -> Result<Option<gix::ObjectId>> {
    match repo.head_id() {
        Ok(id) => Ok(Some(id.detach())),
        Err(_) => Ok(None),
    }
}

/// Whether the binding file at `head` differs from the one at the last resolution.
fn binding_changed(
    repo: &gix::Repository,
    head: gix::ObjectId,
    resolved_commit: Option<&CommitId>,
    path: &model::RelPath,
) -> Result<bool> {
    let blob_at = |commit: gix::ObjectId| -> Result<Option<gix::ObjectId>> {
        let Ok(c) = repo.find_commit(commit) else {
            return Ok(None);
        };
        let tree = c
            .tree()
            .context(|| format!("cannot read the tree of {commit}"))?;
        Ok(tree
            .lookup_entry_by_path(path.as_str())
            .context(|| format!("cannot look up {path} in {commit}"))?
            .map(|e| e.object_id()))
    };
    let now = blob_at(head)?;
    let Some(resolved) = resolved_commit else {
        return Ok(now.is_some());
    };
    let then_id = gix::ObjectId::from_hex(resolved.as_str().as_bytes())
        .map_err(|e| Error::usage(e.to_string()))?;
    Ok(now.is_some() && now != blob_at(then_id)?)
}

/// The JSON-line note recording that HEAD resolves an import.
pub fn resolution_note(realm: &str, domain: &str, contract: &str, version: &Version) -> String {
    serde_json::json!({
        "realm": realm,
        "resolves": format!("{domain}/{contract}@{version}"),
    })
    .to_string()
}

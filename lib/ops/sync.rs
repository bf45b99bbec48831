//! `sync`: publish a repository's changed exports with the semver bump they imply,
//! and resolve its imports, in one realm commit.
//!
//! The plan is decided from the snapshot and the workspace alone, so the store can
//! re-apply it when another writer published first. If a contract this sync
//! publishes moved underneath it (someone else published it meanwhile), that is a
//! conflict: reported, nothing overwritten.

use std::collections::BTreeMap;

use semver::Version;
use serde::Serialize;

use super::{Actor, OpKind, Operation};
use crate::contracts::{self, Bump, ImportState, Scope, Survey};
use crate::error::{Error, Result};
use crate::items::ChangeKind;
use crate::model::{
    self, BindingFile, ChangelogEntry, CommitId, ContractFile, Name, Notification, RealmFile,
    Timestamp,
};
use crate::store::{Edits, Snapshot};
use crate::workspace::Workspace;

/// One version published by a sync.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub domain: String,
    pub contract: String,
    pub from: Version,
    pub to: Version,
    pub bump: Bump,
    pub changes: Vec<String>,
    /// The provider commit the value was computed from.
    pub commit: Option<String>,
    /// Its consumers, and whether it breaks them.
    pub consumers: Vec<contracts::Consumer>,
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

/// An import resolved by a sync.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub domain: String,
    pub contract: String,
    pub version: Version,
}

/// An import or export a sync could not settle, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub domain: String,
    pub contract: String,
    pub state: ImportState,
    pub reason: String,
    /// The items of the contract the binding does not provide (with `--verify`).
    pub missing: Vec<String>,
}

/// What the sync operation decided.
#[derive(Debug, Default)]
pub struct Plan {
    pub published: Vec<Published>,
    /// Each proposal with the contract file it proposes.
    pub proposed: Vec<(Proposed, ContractFile)>,
    pub resolved: Vec<Resolved>,
    pub unresolved: Vec<Pending>,
    pub export_errors: Vec<Pending>,
    /// Exports with changes that were not published from this branch, and why.
    pub held: Vec<Pending>,
    /// Things to tell the user (e.g. the source commit is not pushed yet).
    pub warnings: Vec<String>,
}

/// Publish `repo`'s changed exports and resolve its imports.
pub struct SyncPlan<'w> {
    pub repo: Name,
    /// The user's `-m`: first changelog line and commit subject.
    pub message: Option<String>,
    /// Publish breaking changes that current consumers rely on.
    pub force: bool,
    /// Publish even though `HEAD` is not the default branch.
    pub from_branch: bool,
    pub at: Timestamp,
    pub workspace: &'w dyn Workspace,
    /// The versions seen on the first attempt: one that moves later means someone
    /// else published the contract meanwhile.
    expected: BTreeMap<(String, String), Version>,
}

impl<'w> SyncPlan<'w> {
    pub fn new(
        repo: Name,
        message: Option<String>,
        force: bool,
        at: Timestamp,
        workspace: &'w dyn Workspace,
    ) -> Self {
        SyncPlan {
            repo,
            message,
            force,
            from_branch: false,
            at,
            workspace,
            expected: BTreeMap::new(),
        }
    }
}

impl Operation for SyncPlan<'_> {
    type Output = Plan;

    fn kind(&self) -> OpKind {
        OpKind::Sync
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        "sync".to_owned()
    }

    fn apply(&mut self, snapshot: &Snapshot<'_>, edits: &mut Edits) -> Result<Plan> {
        let me = &self.repo;
        let realm: RealmFile = snapshot.realm()?;
        let today = self.at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let survey: Survey = contracts::survey(
            snapshot,
            me,
            Some(self.workspace),
            Scope {
                exports: true,
                imports: true,
                uncommitted: false,
                today: Some(today),
                against: None,
                attention_only: false,
            },
        )?;
        let mut plan = Plan::default();
        let publishing = if survey.exports.iter().any(|e| e.next_version.is_some()) {
            Some(self.workspace.publishing()?)
        } else {
            None
        };
        let held = publishing.as_ref().and_then(|p| {
            if p.on_default || self.from_branch {
                return None;
            }
            let here = match &p.branch {
                Some(b) => format!("branch {b}"),
                None => "a detached HEAD".to_owned(),
            };
            Some(format!(
                "not published from {here}: sync publishes from the default branch ({}); merge there first, or pass --from-branch",
                p.default_described()
            ))
        });
        let head_id: Option<CommitId> = match self.workspace.head() {
            Some(h) => Some(h.to_string().parse().map_err(Error::usage)?),
            None => None,
        };

        for export in &survey.exports {
            if let Some(err) = &export.error {
                plan.export_errors.push(Pending {
                    domain: export.domain.clone(),
                    contract: export.contract.clone(),
                    state: ImportState::Broken,
                    reason: err.clone(),
                    missing: Vec::new(),
                });
                continue;
            }
            let key = (export.domain.clone(), export.contract.clone());
            let seen = self
                .expected
                .entry(key)
                .or_insert_with(|| export.version.clone().unwrap_or(Version::new(0, 0, 0)));
            if let (Some(why), Some(_)) = (&held, &export.next_version) {
                plan.held.push(Pending {
                    domain: export.domain.clone(),
                    contract: export.contract.clone(),
                    state: ImportState::Stale,
                    reason: why.clone(),
                    missing: Vec::new(),
                });
                continue;
            }
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
            // A checkout behind what was published (a teammate's older clone, a
            // slow sync overtaken by a newer one) would publish older code as a
            // new version, undoing what it lacks: refused, as git refuses a push
            // that is not a fast-forward.
            if let Some(from) = &contract.commit
                && !self.force
                && self.workspace.behind(from)? == Some(true)
            {
                plan.export_errors.push(Pending {
                    domain: export.domain.clone(),
                    contract: export.contract.clone(),
                    state: ImportState::Stale,
                    reason: format!(
                        "{current} came from commit {}, and this checkout is behind it (or has not fetched it): pull, then sync (or pass --force to publish HEAD's value anyway)",
                        &from.as_str()[..from.as_str().len().min(12)]
                    ),
                    missing: Vec::new(),
                });
                continue;
            }
            let mut changes: Vec<String> = self.message.iter().cloned().collect();
            changes.extend(export.diff.lines());
            let declared = export
                .declared
                .as_ref()
                .expect("a survey export with a value carries its declaration");
            contract.version = next.clone();
            contract.value = value.clone();
            contract.commit = head_id.clone();
            if let Some(d) = &declared.description {
                contract.description = d.clone();
            }
            if declared.schema.is_some() {
                contract.schema = declared.schema.clone();
            }
            if !declared.keys.is_empty() {
                contract.keys = declared.keys.clone();
            }
            contract.changelog.push(ChangelogEntry {
                version: next.clone(),
                date: today,
                commit: head_id.clone(),
                changes: changes.clone(),
                removed: export.diff.breaking_items(ChangeKind::Removed),
                changed: export.diff.breaking_items(ChangeKind::Changed),
            });
            for consumer in &export.consumers {
                if snapshot.github_slug(&consumer.repo)?.is_some()
                    && !contract
                        .notifications
                        .iter()
                        .any(|n| n.repo == consumer.repo.as_str() && &n.version == next)
                {
                    contract.notifications.push(Notification {
                        repo: consumer.repo.parse().map_err(Error::usage)?,
                        version: next.clone(),
                        url: None,
                        claimed_by: None,
                        claimed_at: None,
                    });
                }
            }

            if bump == Bump::Major {
                let relying: Vec<String> = export
                    .consumers
                    .iter()
                    .filter(|c| c.breaks)
                    .map(|c| {
                        let at = c
                            .resolved_version
                            .as_ref()
                            .map(|v| format!(", at {v}"))
                            .unwrap_or_default();
                        let what = if c.declares_uses {
                            format!(" and uses {}", c.broken_items.join(", "))
                        } else {
                            String::new()
                        };
                        format!(
                            "{} imports {}/{} {}{at}{what}",
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
                    let who: Vec<&str> = export
                        .consumers
                        .iter()
                        .filter(|c| c.breaks)
                        .map(|c| c.repo.as_str())
                        .collect();
                    let mut err = Error::conflict(format!(
                        "refusing a breaking change: {}/{} {current} → {next} removes or changes what {} rely on",
                        export.domain,
                        export.contract,
                        who.join(", ")
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
            edits.trailer(
                "Realm-Contract",
                format!("{}/{}@{next}", export.domain, export.contract),
            );
            plan.published.push(Published {
                domain: export.domain.clone(),
                contract: export.contract.clone(),
                from: current.clone(),
                to: next.clone(),
                bump,
                changes,
                commit: head_id.as_ref().map(ToString::to_string),
                consumers: export.consumers.clone(),
            });
        }
        if !plan.published.is_empty()
            && let (Some(p), Some(head)) = (&publishing, &head_id)
            && !p.on_remote
        {
            plan.warnings.push(format!(
                "the published versions come from commit {}, which is on no remote branch yet: push it so consumers can see that code",
                &head.as_str()[..head.as_str().len().min(12)]
            ));
        }

        let mut bindings: BTreeMap<String, BindingFile> = BTreeMap::new();
        for import in &survey.imports {
            let binding_path = model::paths::binding(&import.domain, me.as_str());
            // Keep what `--uses-extract` finds in the code where providers can see it.
            if let Some(found) = &import.extracted_uses {
                let binding = match bindings.get(&binding_path) {
                    Some(b) => b.clone(),
                    None => snapshot.require::<BindingFile>(&binding_path, "binding")?,
                };
                let mut updated = binding.clone();
                for i in updated
                    .imports
                    .iter_mut()
                    .filter(|i| i.contract == import.contract.as_str())
                {
                    i.extracted_uses = found.clone();
                }
                if updated != binding {
                    edits.put(&binding_path, &updated);
                    bindings.insert(binding_path.clone(), updated);
                }
            }
            if import.state == ImportState::Current {
                continue;
            }
            let pending = |reason: String| Pending {
                domain: import.domain.clone(),
                contract: import.contract.clone(),
                state: import.state,
                reason,
                missing: import.missing.clone(),
            };
            if matches!(import.state, ImportState::Broken | ImportState::Grace) {
                plan.unresolved
                    .push(pending(import.reason.clone().unwrap_or_default()));
                continue;
            }
            let latest = import
                .latest_version
                .clone()
                .expect("a stale import has a newest version");
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
            let Some(head) = self.workspace.head() else {
                plan.unresolved
                    .push(pending("this repository has no commits yet".to_owned()));
                continue;
            };
            if !decl.version.matches(&latest) {
                plan.unresolved
                    .push(pending(import.reason.clone().unwrap_or_default()));
                continue;
            }
            let mut missing = Vec::new();
            let satisfied = match &decl.verify {
                Some(_) => {
                    let contract = snapshot.require::<ContractFile>(
                        &model::paths::contract(&import.domain, &import.contract),
                        "contract",
                    )?;
                    if self.workspace.has_worktree() {
                        missing = contracts::verify(
                            self.workspace,
                            &decl,
                            &binding_path,
                            &contract,
                            &import.uses,
                        )?;
                    }
                    self.workspace.has_worktree() && missing.is_empty()
                }
                None => self
                    .workspace
                    .binding_changed(decl.resolved_commit.as_ref(), &decl.binding)?,
            };
            if !satisfied {
                let why = match &decl.verify {
                    Some(_) if !missing.is_empty() => format!(
                        "{} does not provide {latest} yet (missing: {}): update it, commit, and sync",
                        decl.binding,
                        missing.join(", ")
                    ),
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
                plan.unresolved.push(Pending {
                    missing,
                    ..pending(why)
                });
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
                i.resolved_at = Some(self.at);
                i.acknowledged_by = None;
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
        match &self.message {
            Some(msg) => {
                edits.subject = Some(msg.clone());
                edits.body = Some(what.join("\n"));
            }
            None if what.is_empty() => edits.subject = Some("sync: record used items".to_owned()),
            None => edits.subject = Some(format!("sync {}", what.join(", "))),
        }
        Ok(plan)
    }
}

/// A breaking version of `repo`'s contract, proposed on a side branch of a realm
/// whose governance requires approval (merging the branch publishes it).
pub struct ProposeVersion {
    pub repo: Name,
    pub domain: String,
    pub contract: ContractFile,
}

impl Operation for ProposeVersion {
    type Output = ();

    fn kind(&self) -> OpKind {
        OpKind::ProposeVersion
    }

    fn actor(&self) -> Actor {
        Actor::Repo(self.repo.clone())
    }

    fn subject(&self) -> String {
        format!(
            "propose {}/{}@{}",
            self.domain, self.contract.name, self.contract.version
        )
    }

    fn apply(&mut self, _: &Snapshot<'_>, edits: &mut Edits) -> Result<()> {
        let path = model::paths::contract(&self.domain, self.contract.name.as_str());
        edits.put(&path, &self.contract);
        edits.trailer(
            "Realm-Contract",
            format!(
                "{}/{}@{}",
                self.domain, self.contract.name, self.contract.version
            ),
        );
        Ok(())
    }
}

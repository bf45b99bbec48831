//! The consistency part of the pull-request gate: when the checked branch belongs
//! to a coordinated change, each import of this repository whose provider takes
//! part in the change is judged against what the provider's code computes *on the
//! change's branch*, not against the published contract. A consumer pull request
//! that needs its provider's still-open one then passes only when the two agree,
//! and fails alone, saying which provider value it needs. The other way round, a
//! provider's change is judged against what each consumer taking part in the
//! change uses *on its branch* (`--uses-extract` rules evaluated there): a
//! breaking change whose consumers stop using what it removes, in the same change,
//! can merge first, as the merge order wants.
//!
//! Each provider's branch is fetched from the url it is registered under
//! (`repos/<repo>.yaml`, validated when read like every url of a realm) — that
//! branch only, depth 1 — into a scratch repository in a temporary directory,
//! removed afterwards: nothing is written to this repository or to the realm, and
//! a full clone is never made shallow. The provider's `.realm/exports.yaml` at that
//! commit says how the value is computed; a program source is never run here (it
//! would run another team's code on this machine), so such an import is judged
//! against the published contract, with a note saying why.

use std::collections::BTreeMap;

use gix::ObjectId;
use semver::Version;
use serde::Serialize;

use crate::contracts::{self, ImportStatus};
use crate::error::{Context, Result};
use crate::git;
use crate::model::{self, BindingFile, ChangeFile, ContractFile, Name, ValueSource};
use crate::store::Snapshot;
use crate::workspace::{At, WorkingTree, Workspace};

/// The provider value an import was judged against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderValue {
    pub change: Name,
    pub provider: Name,
    pub branch: String,
    /// The provider commit the value was computed from (`null`: it was not; see
    /// `note`).
    pub commit: Option<String>,
    /// The version merging the provider's branch would publish (`null`: the
    /// published contract was used).
    pub version: Option<Version>,
    /// Why the published contract was used instead.
    pub note: Option<String>,
}

/// A consumer's branch of the change, which said what it uses.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerBranch {
    pub change: Name,
    pub branch: String,
    /// The consumer commit its uses were computed from (`null`: they were not;
    /// see `note`).
    pub commit: Option<String>,
    /// Why what the realm records was used instead.
    pub note: Option<String>,
}

/// A repository's branch, fetched (or why it could not be).
enum Fetched {
    At(ObjectId),
    Missing(String),
}

/// The change's branch of each participant asked for, fetched once each into
/// one scratch repository.
struct Branches<'c> {
    change: &'c ChangeFile,
    scratch: Option<Scratch>,
    fetched: BTreeMap<Name, Fetched>,
}

impl<'c> Branches<'c> {
    fn new(change: &'c ChangeFile) -> Self {
        Branches {
            change,
            scratch: None,
            fetched: BTreeMap::new(),
        }
    }

    /// `repo`'s branch of the change: the commit, or why there is none.
    fn get(&mut self, snapshot: &Snapshot<'_>, repo: &Name) -> Result<&Fetched> {
        if !self.fetched.contains_key(repo) {
            if self.scratch.is_none() {
                self.scratch = Some(Scratch::new()?);
            }
            let s = self.scratch.as_ref().expect("just made");
            let f = fetch_branch(snapshot, s, repo, &self.change.branch)?;
            self.fetched.insert(repo.clone(), f);
        }
        Ok(&self.fetched[repo])
    }

    fn repo(&self) -> &gix::Repository {
        &self.scratch.as_ref().expect("fetched into it").repo
    }
}

/// A bare repository in a temporary directory, holding the providers' branches.
struct Scratch {
    _dir: tempfile::TempDir,
    repo: gix::Repository,
}

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = tempfile::Builder::new()
            .prefix("realm-change-")
            .tempdir()
            .context(|| "cannot create a scratch repository".into())?;
        let path = dir.path().join("providers.git");
        git::repo::init(dir.path(), &path, true)?;
        let repo = git::open_at(&path)?;
        Ok(Scratch { _dir: dir, repo })
    }
}

/// The contracts the providers' branches would publish, by `(domain, contract)`.
pub type Proposed = BTreeMap<(String, String), ContractFile>;

/// Judge `me`'s imports (in `imports`, as the survey left them) whose providers
/// take part in `change` against the values on the change's branch; returns the
/// contracts they were judged against.
pub fn judge(
    snapshot: &Snapshot<'_>,
    change: &ChangeFile,
    me: &Name,
    ws: Option<&dyn Workspace>,
    imports: &mut [ImportStatus],
    today: jiff::civil::Date,
) -> Result<Proposed> {
    let mut proposed_all = Proposed::new();
    let realm = snapshot.realm()?;
    let grace = realm.governance.breaking_changes.grace_period_days;
    let in_scope = |d: &Name| change.domains.is_empty() || change.domains.contains(d);
    let mut branches = Branches::new(change);
    for (domain, binding) in contracts::bindings_of(snapshot, me)? {
        if !in_scope(&domain) {
            continue;
        }
        for import in &binding.imports {
            let path = model::paths::contract(domain.as_str(), import.contract.as_str());
            let Some(published) = snapshot.read::<ContractFile>(&path)? else {
                continue;
            };
            let provider = published.owner.clone();
            if &provider == me || !change.repos.contains(&provider) {
                continue;
            }
            let Some(status) = imports
                .iter_mut()
                .find(|i| i.domain == domain.as_str() && i.contract == import.contract.as_str())
            else {
                continue;
            };
            let mut value = ProviderValue {
                change: change.id.clone(),
                provider: provider.clone(),
                branch: change.branch.clone(),
                commit: None,
                version: None,
                note: None,
            };
            let commit = match branches.get(snapshot, &provider)? {
                Fetched::At(c) => *c,
                Fetched::Missing(why) => {
                    value.note = Some(format!("{why}: judged against the published contract"));
                    status.provider_change = Some(value);
                    continue;
                }
            };
            value.commit = Some(commit.to_string());
            let repo = branches.repo();
            match provider_contract(
                snapshot,
                repo,
                commit,
                realm.name.as_str(),
                &domain,
                &provider,
                import.contract.as_str(),
                &published,
                today,
            ) {
                Ok(proposed) => {
                    value.version =
                        Some(proposed.version.clone()).filter(|v| v != &published.version);
                    let mut judged = contracts::judge_import(
                        domain.as_str(),
                        import,
                        &model::paths::binding(domain.as_str(), me.as_str()),
                        Some(proposed.clone()),
                        ws,
                        Some(today),
                        grace,
                    )?;
                    judged.provider_change = Some(value);
                    *status = judged;
                    proposed_all
                        .insert((domain.to_string(), import.contract.to_string()), proposed);
                }
                Err(why) => {
                    value.note = Some(why);
                    status.provider_change = Some(value);
                }
            }
        }
    }
    Ok(proposed_all)
}

/// Judge the consumers of `exports` (this repository's, with their pending
/// diffs) that take part in `change` by what they use on the change's branch:
/// their `--uses-extract` rules evaluated there, with the items they name
/// explicitly. Consumers whose uses are all explicit are judged as recorded.
pub fn judge_consumers(
    snapshot: &Snapshot<'_>,
    change: &ChangeFile,
    me: &Name,
    exports: &mut [contracts::ExportStatus],
) -> Result<()> {
    let in_scope =
        |d: &str| change.domains.is_empty() || change.domains.iter().any(|x| x.as_str() == d);
    let mut branches = Branches::new(change);
    for e in exports.iter_mut().filter(|e| in_scope(&e.domain)) {
        let Some(next) = e.next_version.clone() else {
            continue;
        };
        for k in &mut e.consumers {
            let Ok(repo) = k.repo.parse::<Name>() else {
                continue;
            };
            if &repo == me || !change.repos.contains(&repo) {
                continue;
            }
            let binding =
                snapshot.read::<BindingFile>(&model::paths::binding(&e.domain, repo.as_str()))?;
            let Some(import) = binding
                .as_ref()
                .and_then(|b| b.imports.iter().find(|i| i.contract == e.contract.as_str()))
            else {
                continue;
            };
            if import.uses_extract.is_empty() {
                continue;
            }
            let mut on = ConsumerBranch {
                change: change.id.clone(),
                branch: change.branch.clone(),
                commit: None,
                note: None,
            };
            let commit = match branches.get(snapshot, &repo)? {
                Fetched::At(c) => *c,
                Fetched::Missing(why) => {
                    on.note = Some(format!("{why}: judged by what the realm records"));
                    k.change_branch = Some(on);
                    continue;
                }
            };
            on.commit = Some(commit.to_string());
            let code = WorkingTree::detached(branches.repo(), commit);
            let rules = ValueSource::Extract {
                rules: import.uses_extract.clone(),
            };
            match code.evaluate(At::Head, &rules) {
                Ok(found) => {
                    let mut uses: Vec<String> = import
                        .uses
                        .iter()
                        .cloned()
                        .chain(contracts::use_items(&found))
                        .collect();
                    uses.sort();
                    uses.dedup();
                    k.uses = uses;
                    k.judge(&e.diff, &next);
                }
                Err(err) => {
                    on.note = Some(format!(
                        "what {repo} uses cannot be found at {} ({}): judged by what the realm records",
                        crate::ui::short(&commit),
                        err.message
                    ));
                }
            }
            k.change_branch = Some(on);
        }
    }
    Ok(())
}

/// Fetch `repo`'s `branch` from its registered url into the scratch repository.
fn fetch_branch(
    snapshot: &Snapshot<'_>,
    scratch: &Scratch,
    repo: &Name,
    branch: &str,
) -> Result<Fetched> {
    let Some(file) = snapshot.repo(repo.as_str())? else {
        return Ok(Fetched::Missing(format!(
            "{repo} is not registered in the realm (repos/{repo}.yaml is missing)"
        )));
    };
    let url = file.url.as_str();
    crate::ui::progress(&format!("Fetching {repo}'s {branch} from {url}…"));
    let local = format!("refs/realm-change/{repo}");
    let remote = format!("refs/heads/{branch}");
    match git::remotes::fetch_ref(&scratch.repo, url, &remote, &local, Some(1)) {
        Ok(git::remotes::Fetched::Fetched) => match git::ref_target(&scratch.repo, &local)? {
            Some(c) => Ok(Fetched::At(c)),
            None => Ok(Fetched::Missing(format!(
                "{repo}'s {branch} could not be read after fetching it from {url}"
            ))),
        },
        Ok(git::remotes::Fetched::Missing) => Ok(Fetched::Missing(format!(
            "{repo} has no branch {branch} at {url} (not pushed yet, or merged and deleted)"
        ))),
        Err(e) => Ok(Fetched::Missing(format!(
            "{repo}'s {branch} cannot be fetched from {url} ({})",
            e.message
        ))),
    }
}

/// The contract as `provider`'s code at `commit` would publish it.
#[allow(clippy::too_many_arguments)]
fn provider_contract(
    snapshot: &Snapshot<'_>,
    repo: &gix::Repository,
    commit: ObjectId,
    realm: &str,
    domain: &Name,
    provider: &Name,
    contract: &str,
    published: &ContractFile,
    today: jiff::civil::Date,
) -> std::result::Result<ContractFile, String> {
    let short = crate::ui::short(&commit);
    let binding = snapshot
        .read::<BindingFile>(&model::paths::binding(domain.as_str(), provider.as_str()))
        .map_err(|e| e.message)?;
    let Some(export) = binding
        .as_ref()
        .and_then(|b| b.exports.iter().find(|e| e.contract == contract))
    else {
        return Err(format!(
            "{provider} does not export {domain}/{contract} in the realm: judged against the published contract"
        ));
    };
    let code = WorkingTree::detached(repo, commit);
    let file = code.exports_file(At::Head);
    let declared = contracts::declaration(
        &file,
        realm,
        domain.as_str(),
        export,
        &format!("{provider}'s {short}"),
    )
    .map_err(|e| format!("{e}: judged against the published contract"))?;
    if let ValueSource::Command { command, .. } = &declared.source {
        return Err(format!(
            "{provider} computes {domain}/{contract} with a program ({command:?}), which git-realm does not run for another repository: judged against the published contract"
        ));
    }
    let value = code.evaluate(At::Head, &declared.source).map_err(|e| {
        format!(
            "{provider}'s value at {short} cannot be computed ({}): judged against the published contract",
            e.message
        )
    })?;
    Ok(contracts::proposed(published, value, &declared, today))
}

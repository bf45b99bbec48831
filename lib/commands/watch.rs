//! `git realm watch`: live awareness without a server. Poll the realm url with
//! `git ls-remote` (one round trip, no objects); when its branch moved past the
//! local copy, fetch it and tell what changed for this repo between the two realm
//! commits: new versions of the contracts it imports, changes it takes part in,
//! and who did what (the realm's own log).

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use semver::Version;
use serde::Serialize;

use crate::changes::{self};
use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::contracts;
use crate::error::{Error, Exit, Result};
use crate::git;
use crate::membership::{self, Membership};
use crate::model::{self, ChangeFile, ContractFile, Name};
use crate::ops::{self, OpKind};
use crate::store::{REALM_BRANCH, Snapshot, Store};
use crate::ui::{self, Ui};
use crate::ui::{Mark, item};

/// Watch the realm and tell what changes for this repository
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-watch",
    bin_name = "git realm watch",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Polls the realm url with `git ls-remote`; when it moved, fetches it and prints\n",
        "new versions of the contracts this repo imports, news of the changes it takes\n",
        "part in, and the realm commits in between (who did what). With --json, JSON\n",
        "Lines: one compact object per line, per realm move (with --once: one object).\n",
        "Stop with Ctrl-C.\n\n",
        "With --once: exit 0 when nothing concerns this repo, 1 when something does.\n\n",
        "Examples:\n",
        "  git realm watch\n",
        "  git realm watch --interval 2m\n",
        "  git realm watch --once && echo 'nothing new'\n\n",
        crate::exit_status!()
    ),
)]
pub struct WatchArgs {
    /// Time between polls: a number with a unit, ms, s, m or h (e.g. 500ms, 30s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Poll once, print what changed, and exit (0: nothing for this repo, 1: something)
    #[arg(long)]
    pub once: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// `500ms`, `30s`, `2m`, `1h` (a bare number is seconds). Zero is refused: it would spin.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (use e.g. 500ms, 30s, 2m, 1h)"))?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?} (use ms, s, m or h)"
            ));
        }
    };
    if d.is_zero() {
        return Err(format!("{text:?}: the interval must be more than zero"));
    }
    Ok(d)
}

/// A new version of a contract this repo imports.
#[derive(Debug, Serialize)]
struct ImportNews {
    domain: String,
    contract: String,
    provider: String,
    from: Option<Version>,
    to: Option<Version>,
    /// Changelog lines of the versions in between.
    changes: Vec<String>,
    binding: String,
}

/// News of a change this repo takes part in.
#[derive(Debug, Serialize)]
struct ChangeNews {
    change: String,
    branch: String,
    /// new | updated
    kind: &'static str,
    details: Vec<String>,
}

/// One realm commit between the old and the new state.
#[derive(Debug, Serialize)]
struct Activity {
    commit: String,
    author: String,
    email: String,
    message: String,
    /// The realm operation (`Realm-Op` trailer): join, sync, start-change, …;
    /// `null` for commits not made by git-realm.
    op: Option<OpKind>,
    /// The repository that made it (`Realm-Repo` trailer).
    by_repo: Option<String>,
}

#[derive(Debug, Serialize)]
struct RealmNews {
    realm: String,
    repo: String,
    moved: bool,
    old: Option<String>,
    new: Option<String>,
    imports: Vec<ImportNews>,
    changes: Vec<ChangeNews>,
    activity: Vec<Activity>,
    /// Whether something here concerns this repo (imports or changes).
    concerns: bool,
}

/// `watch --once --json`: one document; without `--once`, one per line as the
/// realm moves (JSON Lines).
#[derive(Serialize)]
struct WatchReport<'a> {
    realms: &'a [RealmNews],
}

impl Command for WatchArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let repo = git::open_current()?;
        let memberships = membership::at_least_one(&repo, self.global.realm.as_ref())?;
        let mut watched = Vec::new();
        for m in memberships {
            let me = m.me()?;
            watched.push((m, me));
        }

        if self.once {
            let memberships: Vec<Membership> = watched.iter().map(|(m, _)| m.clone()).collect();
            let each = membership::each(ui, &memberships, |m| {
                let me = &watched
                    .iter()
                    .find(|(w, _)| w.realm == m.realm)
                    .expect("watched")
                    .1;
                poll(&repo, m, me)
            })?;
            let all = each.done;
            let concerns = all.iter().any(|n| n.concerns);
            if ui.json {
                ui.json(&WatchReport { realms: &all });
            } else {
                for n in &all {
                    print_news(ui, n, false);
                }
            }
            return Ok(each.exit.worst(if concerns {
                Exit::Attention
            } else {
                Exit::Success
            }));
        }

        let names: Vec<&str> = watched.iter().map(|(m, _)| m.realm.as_str()).collect();
        if !ui.json {
            ui.line(format!(
                "{}Watching realm {} every {} (Ctrl-C to stop)",
                ui::symbol("👀 ", ""),
                names.join(", "),
                humantime(self.interval)
            ));
        }
        loop {
            for (m, me) in &watched {
                match poll(&repo, m, me) {
                    Ok(n) if n.moved => {
                        if ui.json {
                            crate::ui::flush_stdout();
                            let mut out = std::io::stdout().lock();
                            let _ = writeln!(
                                out,
                                "{}",
                                crate::ui::escape_json(
                                    &serde_json::to_string(&n).expect("news always serialise")
                                )
                            );
                            let _ = out.flush();
                        } else {
                            print_news(ui, &n, true);
                        }
                    }
                    Ok(_) => {}
                    // A network hiccup must not end a watch: say so and poll again.
                    Err(e) => {
                        let _ = writeln!(
                            ui::stderr(),
                            "realm: watch {}: {}",
                            m.realm,
                            ui::escape(&e.message)
                        );
                    }
                }
            }
            // What this round found is shown now, not when the next block fills.
            crate::ui::flush_stdout();
            std::thread::sleep(self.interval);
        }
    }
}

fn humantime(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Compare the realm url with the local copy; on a move, fetch and describe it.
fn poll(repo: &gix::Repository, m: &Membership, me: &Name) -> Result<RealmNews> {
    let store = Store::member(repo, m.realm.as_str(), &m.url);
    let local = store.local_tip()?;
    let remote = git::ls_remote(&m.url, REALM_BRANCH)?.ok_or_else(|| {
        Error::usage(format!(
            "{} has no {REALM_BRANCH}: is it still the realm '{}'?",
            m.url, m.realm
        ))
    })?;
    let mut news = RealmNews {
        realm: m.realm.to_string(),
        repo: me.to_string(),
        moved: false,
        old: local.map(|c| c.to_string()),
        new: local.map(|c| c.to_string()),
        imports: Vec::new(),
        changes: Vec::new(),
        activity: Vec::new(),
        concerns: false,
    };
    if Some(remote) == local {
        return Ok(news);
    }
    let old = store.snapshot()?;
    let new_commit = store.fetch()?;
    let new = store.snapshot()?;
    news.new = new_commit.map(|c| c.to_string());
    news.moved = new_commit != local;
    if !news.moved {
        return Ok(news);
    }
    news.imports = import_news(&old, &new, me)?;
    news.changes = change_news(&old, &new, me)?;
    news.activity = activity(repo, local, new_commit)?;
    news.concerns = !news.imports.is_empty() || !news.changes.is_empty();
    Ok(news)
}

fn import_news(old: &Snapshot<'_>, new: &Snapshot<'_>, me: &Name) -> Result<Vec<ImportNews>> {
    let mut out = Vec::new();
    for (domain, binding) in contracts::bindings_of(new, me)? {
        for import in &binding.imports {
            let path = model::paths::contract(domain.as_str(), import.contract.as_str());
            let before = old.read::<ContractFile>(&path)?;
            let after = new.read::<ContractFile>(&path)?;
            let (from, to) = (
                before.as_ref().map(|c| c.version.clone()),
                after.as_ref().map(|c| c.version.clone()),
            );
            if from == to {
                continue;
            }
            let changes = after
                .as_ref()
                .map(|c| {
                    c.changelog
                        .iter()
                        .filter(|e| from.as_ref().is_none_or(|f| &e.version > f))
                        .flat_map(|e| e.changes.iter().map(move |l| format!("{}: {l}", e.version)))
                        .collect()
                })
                .unwrap_or_default();
            out.push(ImportNews {
                domain: domain.to_string(),
                contract: import.contract.to_string(),
                provider: after
                    .as_ref()
                    .or(before.as_ref())
                    .map(|c| c.owner.to_string())
                    .unwrap_or_default(),
                from,
                to,
                changes,
                binding: import.binding.to_string(),
            });
        }
    }
    Ok(out)
}

fn change_news(old: &Snapshot<'_>, new: &Snapshot<'_>, me: &Name) -> Result<Vec<ChangeNews>> {
    let mut out = Vec::new();
    for c in changes::all_changes(new)? {
        if !c.repos.contains(me) {
            continue;
        }
        let before = old.read::<ChangeFile>(&model::paths::change(c.id.as_str()))?;
        let (kind, details) = match &before {
            None => (
                "new",
                vec![format!(
                    "started by {} across {}",
                    c.created_by,
                    changes::join(&c.repos)
                )],
            ),
            Some(b) if b == &c => continue,
            Some(b) => ("updated", describe(b, &c)),
        };
        out.push(ChangeNews {
            change: c.id.to_string(),
            branch: c.branch.clone(),
            kind,
            details,
        });
    }
    Ok(out)
}

/// What differs between two versions of a change, one line per fact.
fn describe(before: &ChangeFile, after: &ChangeFile) -> Vec<String> {
    let mut lines = Vec::new();
    let joined: Vec<&Name> = after
        .repos
        .iter()
        .filter(|r| !before.repos.contains(r))
        .collect();
    if !joined.is_empty() {
        let names: Vec<&str> = joined.iter().map(|n| n.as_str()).collect();
        lines.push(format!("joined by {}", names.join(", ")));
    }
    for c in after.commits.iter().filter(|c| !before.commits.contains(c)) {
        lines.push(format!("{} committed {}", c.repo, &c.commit.as_str()[..7]));
    }
    for p in after.prs.iter().filter(|p| !before.prs.contains(p)) {
        lines.push(format!("{}#{} opened: {}", p.repo, p.number, p.url));
    }
    if before.status != after.status {
        lines.push(format!("status: {:?} → {:?}", before.status, after.status).to_lowercase());
    }
    if before.merge_order != after.merge_order && !after.merge_order.is_empty() {
        lines.push(format!(
            "merge order: {}",
            after
                .merge_order
                .iter()
                .map(Name::as_str)
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    if lines.is_empty() {
        lines.push("updated".to_owned());
    }
    lines
}

/// The realm commits in `old..new`, newest first (at most 50: a long absence is summarised).
fn activity(
    repo: &gix::Repository,
    old: Option<gix::ObjectId>,
    new: Option<gix::ObjectId>,
) -> Result<Vec<Activity>> {
    let Some(new) = new else {
        return Ok(Vec::new());
    };
    let range = match old {
        Some(old) => format!("{old}..{new}"),
        None => new.to_string(),
    };
    Ok(git::commits::log(repo, &range, 50)?
        .into_iter()
        .map(|e| {
            let trailers = ops::trailers(&e.message);
            Activity {
                op: ops::kind_of(&e.message),
                by_repo: trailers
                    .into_iter()
                    .find(|(k, _)| k == ops::REPO_TRAILER)
                    .map(|(_, v)| v),
                commit: e.id,
                author: e.author_name,
                email: e.author_email,
                message: e.subject,
            }
        })
        .collect())
}

fn print_news(ui: &Ui, n: &RealmNews, timestamped: bool) {
    let short = |c: &Option<String>| c.as_deref().map(|c| &c[..7]).unwrap_or("(none)").to_owned();
    if !n.moved {
        item(
            ui,
            0,
            Mark::Ok,
            format!(
                "Realm '{}' has not moved ({}): nothing new for {}",
                n.realm,
                short(&n.new),
                n.repo
            ),
        );
        return;
    }
    let when = if timestamped {
        format!("[{}] ", jiff::Zoned::now().strftime("%H:%M:%S"))
    } else {
        String::new()
    };
    ui.line(format!(
        "{when}Realm '{}' moved: {} → {}",
        n.realm,
        short(&n.old),
        short(&n.new)
    ));
    if !n.imports.is_empty() {
        ui.line("  Contracts you import:");
        for i in &n.imports {
            let version = |v: &Option<Version>| {
                v.as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "(none)".into())
            };
            item(
                ui,
                4,
                Mark::Warn,
                format!(
                    "{}/{}: {} → {} (from {})",
                    i.domain,
                    i.contract,
                    version(&i.from),
                    version(&i.to),
                    i.provider
                ),
            );
            for c in &i.changes {
                ui.line(format!("        {c}"));
            }
            ui.line(format!(
                "      Next: update {}, commit, then `git realm sync`",
                i.binding
            ));
        }
    }
    if !n.changes.is_empty() {
        ui.line("  Changes you take part in:");
        for c in &n.changes {
            ui.line(format!("    • {} ({}): {}", c.change, c.branch, c.kind));
            for d in &c.details {
                ui.line(format!("        {d}"));
            }
        }
    }
    if !n.activity.is_empty() {
        ui.line("  Activity:");
        for a in &n.activity {
            // Realm commits say which repository acted; hand edits only who.
            let op = a.op.map(|k| format!(" [{k}]")).unwrap_or_default();
            ui.line(format!(
                "    {} {} <{}>{op}: {}",
                ui.paint(&a.commit[..7], ui::Paint::Dim),
                a.author,
                a.email,
                a.message
            ));
        }
    }
    if !n.concerns {
        ui.line(format!("  Nothing that concerns {}.", n.repo));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        for bad in ["", "0s", "s", "-1s", "3d", "1.5s", "2 minutes"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(humantime(Duration::from_secs(120)), "2m");
        assert_eq!(humantime(Duration::from_millis(1500)), "1500ms");
    }
}

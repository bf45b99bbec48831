//! One import: what it uses, whether the newest version breaks it, and whether its
//! binding provides what the contract holds (`--verify`).

use super::*;

/// The items a `--uses-extract` extraction found: strings, and the keys of maps.
pub fn use_items(value: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.insert(k.clone());
                if !x.is_string() {
                    walk(x, out);
                }
            }),
            other => {
                out.insert(other.to_string());
            }
        }
    }
    walk(value, &mut out);
    out.into_iter().collect()
}

/// The items `import` uses, with its `--uses-extract` rules recomputed from the code
/// at `HEAD` when there is code (else what the last sync recorded).
pub fn current_uses(
    import: &Import,
    ws: Option<&dyn Workspace>,
) -> Result<(Vec<String>, Option<Vec<String>>)> {
    let mut extracted = None;
    if !import.uses_extract.is_empty()
        && let Some(ws) = ws
    {
        let value = ws.evaluate(
            At::Head,
            &ValueSource::Extract {
                rules: import.uses_extract.clone(),
            },
        )?;
        extracted = Some(use_items(&value));
    }
    let mut all: Vec<String> = import
        .uses
        .iter()
        .chain(extracted.as_ref().unwrap_or(&import.extracted_uses))
        .cloned()
        .collect();
    all.sort();
    all.dedup();
    Ok((all, extracted))
}

/// The status of `import`, whose requirement displays as `requirement`,
/// provided by `provider` at `latest`, before it is judged: current, and nothing
/// found yet.
pub(super) fn unjudged(
    domain: &str,
    import: &Import,
    requirement: String,
    provider: Option<String>,
    latest: Option<Version>,
) -> ImportStatus {
    let what = Imported {
        contract: import.contract.as_str(),
        requirement,
        binding: import.binding.as_str(),
        resolved: import.resolved_version.clone(),
    };
    what.status(domain, provider, latest)
}

/// An import as its status shows it.
pub(super) struct Imported<'a> {
    pub contract: &'a str,
    /// As the requirement displays.
    pub requirement: String,
    pub binding: &'a str,
    pub resolved: Option<Version>,
}

impl Imported<'_> {
    /// Its status when provided by `provider` at `latest`, before it is judged:
    /// current, and nothing found yet.
    pub(super) fn status(
        self,
        domain: &str,
        provider: Option<String>,
        latest: Option<Version>,
    ) -> ImportStatus {
        ImportStatus {
            domain: domain.to_owned(),
            contract: self.contract.to_owned(),
            requirement: self.requirement,
            binding: self.binding.to_owned(),
            provider,
            resolved_version: self.resolved,
            latest_version: latest,
            state: ImportState::Current,
            reason: None,
            changes: Vec::new(),
            uses: Vec::new(),
            broken_items: Vec::new(),
            deadline: None,
            missing: Vec::new(),
            extracted_uses: None,
            resolves: None,
            provider_change: None,
        }
    }
}

/// The state of `import` against `contract` (the published one, or one a
/// provider's branch would publish): current, stale, grace or broken, and why.
pub fn judge_import(
    domain: &str,
    import: &Import,
    binding_file: &str,
    contract: Option<ContractFile>,
    ws: Option<&dyn Workspace>,
    today: Option<jiff::civil::Date>,
    grace_days: u32,
) -> Result<ImportStatus> {
    let mut status = unjudged(
        domain,
        import,
        import.version.to_string(),
        contract.as_ref().map(|c| c.owner.as_str().to_owned()),
        contract.as_ref().map(|c| c.version.clone()),
    );
    let Some(contract) = contract else {
        let path = model::paths::contract(domain, import.contract.as_str());
        status.state = ImportState::Broken;
        status.reason = Some(format!("the contract no longer exists ({path} is missing)"));
        return Ok(status);
    };
    let newer: Vec<&ChangelogEntry> = contract
        .changelog
        .iter()
        .filter(|entry| {
            import
                .resolved_version
                .as_ref()
                .is_none_or(|r| &entry.version > r)
        })
        .collect();
    status.changes = newer
        .iter()
        .flat_map(|entry| {
            entry
                .changes
                .iter()
                .map(move |c| format!("{}: {c}", entry.version))
        })
        .collect();
    let (uses, extracted) = match current_uses(import, ws) {
        Ok(x) => x,
        Err(e) => {
            status.state = ImportState::Broken;
            status.reason = Some(format!("--uses-extract: {}", e.message));
            return Ok(status);
        }
    };
    status.uses = uses;
    status.extracted_uses = extracted;
    let inside = import.version.matches(&contract.version);

    // Which version broke it, if any.
    let mut never_provided: Vec<String> = Vec::new();
    let breaking: Option<&ChangelogEntry> = if import.declares_uses() {
        let present = items::item_ids(&contract.value, &contract.keys);
        let mut broken = BTreeSet::new();
        let mut first: Option<&ChangelogEntry> = None;
        // Versions since the resolved one that removed or changed a used item.
        if import.resolved_version.is_some() {
            for entry in &newer {
                let hit: Vec<&String> = status
                    .uses
                    .iter()
                    .filter(|u| {
                        entry
                            .removed
                            .iter()
                            .chain(&entry.changed)
                            .any(|item| items_overlap(item, u))
                    })
                    .collect();
                if !hit.is_empty() {
                    first.get_or_insert(entry);
                    broken.extend(hit.into_iter().cloned());
                }
            }
        }
        // Used items the newest version does not have at all: removed by some
        // version (its date starts the grace period), or never provided.
        for u in status.uses.iter().filter(|u| !present.contains(*u)) {
            broken.insert(u.clone());
            let removed_by = contract.changelog.iter().find(|e| {
                e.removed
                    .iter()
                    .chain(&e.changed)
                    .any(|item| items_overlap(item, u))
            });
            if removed_by.is_none() {
                never_provided.push(u.clone());
            }
        }
        status.broken_items = broken.into_iter().collect();
        if status.broken_items.is_empty() {
            None
        } else {
            first.or(contract.changelog.last())
        }
    } else if !inside {
        newer
            .iter()
            .copied()
            .find(|e| !import.version.matches(&e.version))
            .or(contract.changelog.last())
    } else {
        None
    };

    let broken = if import.declares_uses() {
        !status.broken_items.is_empty()
    } else {
        !inside
    };
    if broken && let Some(entry) = breaking {
        let deadline = entry
            .date
            .checked_add(jiff::Span::new().days(i64::from(grace_days)))
            .ok();
        // Grace is time to adapt to a removal, not leave to use what never was.
        let in_grace = grace_days > 0
            && never_provided.is_empty()
            && matches!((today, deadline), (Some(t), Some(d)) if t < d);
        let why = if !never_provided.is_empty() {
            format!(
                "{}'s {} does not provide what this repository uses: {}",
                contract.owner,
                contract.version,
                never_provided.join(", ")
            )
        } else if import.declares_uses() {
            format!(
                "{} removes or changes what this repository uses: {}",
                contract.version,
                status.broken_items.join(", ")
            )
        } else {
            format!(
                "the newest version {} is outside the requirement {}",
                contract.version, import.version
            )
        };
        if in_grace {
            status.state = ImportState::Grace;
            status.deadline = deadline;
            status.reason = Some(format!(
                "{why} (grace period: broken from {})",
                deadline.map(|d| d.to_string()).unwrap_or_default()
            ));
        } else {
            status.state = ImportState::Broken;
            status.reason = Some(why);
        }
        return Ok(status);
    }
    if !inside {
        status.state = ImportState::Stale;
        status.reason = Some(format!(
            "{} is outside the requirement {}, but changes nothing this repository uses: widen the requirement (`git realm import {} --domain {domain} --requires …`)",
            contract.version, import.version, import.contract
        ));
        return Ok(status);
    }
    if import.resolved_version.as_ref() != Some(&contract.version) {
        status.state = ImportState::Stale;
        let available = match &import.resolved_version {
            Some(r) => format!("{r} → {} available", contract.version),
            None => format!("{} available, never resolved", contract.version),
        };
        // What the binding still lacks of the newest version, when it can be checked.
        if let (Some(_), Some(ws)) = (&import.verify, ws) {
            status.missing = verify(ws, import, binding_file, &contract, &status.uses)?;
        }
        status.reason = Some(if status.missing.is_empty() {
            available
        } else {
            format!(
                "{available}; {} does not provide: {}",
                verify_where(import),
                status.missing.join(", ")
            )
        });
        return Ok(status);
    }
    if let (Some(_), Some(ws)) = (&import.verify, ws) {
        status.missing = verify(ws, import, binding_file, &contract, &status.uses)?;
        if !status.missing.is_empty() {
            status.state = ImportState::Broken;
            status.reason = Some(format!(
                "{} does not provide: {}",
                verify_where(import),
                status.missing.join(", ")
            ));
        }
    }
    Ok(status)
}

/// Whether an item a version removed or changed (as its changelog records it) and
/// a used item overlap: the same item, one inside the other, or the whole value.
pub fn items_overlap(item: &str, used: &str) -> bool {
    if item == used || item == "(value)" || used == "(value)" {
        return true;
    }
    let (ip, ie) = split_item(item);
    let (up, ue) = split_item(used);
    match ie {
        // A set element went away: it breaks whoever uses the set or what holds it.
        Some(_) => ue.is_none() && items::within(ip, up),
        None => items::within(up, ip) || (ue.is_none() && items::within(ip, up)),
    }
}

pub(super) fn split_item(item: &str) -> (&str, Option<&str>) {
    match item.split_once(": ") {
        Some((p, e)) => (p, Some(e)),
        None => (item, None),
    }
}

/// Where `--verify` looks: the binding file, or the `verify_files` globs.
pub fn verify_where(import: &Import) -> String {
    if import.verify_files.is_empty() {
        import.binding.to_string()
    } else {
        import.verify_files.join(" ")
    }
}

/// The contract items the consumer's files (at `HEAD`) do not provide: every scalar
/// of the items it uses (all items when it declares none) must be among what the
/// verify pattern extracts (group `value`, else every group, else the match), with
/// its type: a number matches the same number, a boolean `true`/`false`.
///
/// `binding_file` is the realm file the import was read from: its `verify` and
/// `verify_files` are refused there, naming it, when they are not a rule the
/// command line would take.
pub fn verify(
    ws: &dyn Workspace,
    import: &Import,
    binding_file: &str,
    contract: &ContractFile,
    uses: &[String],
) -> Result<Vec<String>> {
    let Some(pattern) = &import.verify else {
        return Ok(Vec::new());
    };
    let glob = if import.verify_files.is_empty() {
        sources::Globs::literal(import.binding.as_str())
    } else {
        import.verify_files.join(" ")
    };
    let refuse = |field: &str, why: String| {
        Error::invalid(
            binding_file,
            field,
            format!("the import of {}: {why}", import.contract),
        )
    };
    sources::Globs::new(&glob).map_err(|why| refuse("verify_files", why))?;
    regex::Regex::new(pattern).map_err(|e| refuse("verify", format!("bad regex: {e}")))?;
    let found = ws.evaluate(
        At::Head,
        &ValueSource::Extract {
            rules: vec![model::ExtractRule {
                key: None,
                glob,
                regex: pattern.clone(),
                by_file: false,
            }],
        },
    )?;
    let provided: Vec<String> = use_items(&found);
    let mut missing = Vec::new();
    for (path, element, leaf) in items::leaves(&contract.value, &contract.keys) {
        let probe = items::Change {
            kind: ChangeKind::Removed,
            path: path.clone(),
            element: element.clone(),
            old: None,
            new: None,
        };
        if !uses.is_empty() && !uses.iter().any(|u| items::affects(&probe, u)) {
            continue;
        }
        if leaf.is_null() {
            continue;
        }
        if !provided.iter().any(|p| same_scalar(&leaf, p)) {
            missing.push(probe.item());
        }
    }
    missing.sort();
    missing.dedup();
    Ok(missing)
}

/// Whether the text `found` in a file is the scalar `v`, type included.
pub(super) fn same_scalar(v: &Value, found: &str) -> bool {
    match v {
        Value::String(s) => s == found,
        Value::Bool(b) => found.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let found = found.trim();
            match (n.as_f64(), found.parse::<f64>()) {
                (Some(a), Ok(b)) => a == b,
                _ => n.to_string() == found,
            }
        }
        _ => false,
    }
}

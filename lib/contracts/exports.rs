//! One export: its declared source at a commit, its pending change against the
//! published contract, and who that change breaks.

use super::*;

/// The declaration of `domain/contract`: from `.realm/exports.yaml`, else (older
/// realms) from the realm binding, validated like the command line's.
pub fn declaration(
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    at: &str,
) -> std::result::Result<Declared, String> {
    let file = file.as_ref().map_err(|e| e.message.clone())?;
    if let Some(d) = file
        .as_ref()
        .and_then(|f| f.find(realm, domain, export.contract.as_str()))
    {
        return Ok(Declared {
            source: d.source.clone(),
            description: d.description.clone(),
            schema: d.schema.clone(),
            keys: d.keys.clone(),
            legacy: false,
        });
    }
    match &export.source {
        Some(source) => {
            sources::validate(source, true).map_err(|e| {
                format!(
                    "the source kept in the realm for {domain}/{} is refused: {}",
                    export.contract, e.message
                )
            })?;
            Ok(Declared {
                source: source.clone(),
                description: export.description.clone(),
                schema: export.schema.clone(),
                keys: Vec::new(),
                legacy: true,
            })
        }
        None => Err(format!(
            "{} has no source for {domain}/{} at {at}: declare it with `git realm export {} --domain {domain} …` and commit {}",
            model::EXPORTS_FILE,
            export.contract,
            export.contract,
            model::EXPORTS_FILE
        )),
    }
}

pub(super) fn export_status(
    snapshot: &Snapshot<'_>,
    domain: &str,
    export: &Export,
    bindings: &[BindingFile],
    ctx: &ExportContext<'_>,
) -> Result<ExportStatus> {
    let path = model::paths::contract(domain, export.contract.as_str());
    let contract = snapshot.read::<ContractFile>(&path)?;
    let mut status = ExportStatus {
        domain: domain.to_owned(),
        contract: export.contract.to_string(),
        version: contract.as_ref().map(|c| c.version.clone()),
        next_version: None,
        bump: None,
        diff: Diff::default(),
        commit: None,
        uncommitted: Vec::new(),
        error: None,
        consumers: consumers_among(bindings, &export.contract),
        value: None,
        declared: None,
        locations: Vec::new(),
        policy: None,
        notes: Vec::new(),
    };
    let (Some(ws), Some(head_file)) = (ctx.ws, ctx.head_file) else {
        status.error = Some(
            "no commit to compute exports from (a bare repository, or no commit yet)".to_owned(),
        );
        return Ok(status);
    };
    status.commit = ws.head().map(|h| h.to_string());
    let head = declaration(head_file, ctx.realm, domain, export, "HEAD").and_then(|d| {
        match ws.evaluate(At::Head, &d.source) {
            Ok(v) => Ok((d, v)),
            Err(e) => Err(e.message),
        }
    });
    if let Some(file) = ctx.uncommitted_file {
        status.uncommitted = uncommitted(
            ws,
            file,
            ctx.realm,
            domain,
            export,
            &head,
            contract.as_ref(),
        );
    }
    let (declared, value) = match head {
        Ok(x) => x,
        Err(e) => {
            status.error = Some(e);
            return Ok(status);
        }
    };
    let Some(contract) = contract else {
        status.error = Some(format!(
            "{path} is missing: re-declare it with `git realm export`"
        ));
        return Ok(status);
    };
    let description = declared
        .description
        .clone()
        .unwrap_or_else(|| contract.description.clone());
    let schema = declared.schema.as_ref().or(contract.schema.as_ref());
    if let Some(schema) = schema {
        let errors = schema_errors(schema, &value)?;
        if !errors.is_empty() {
            status.error = Some(format!(
                "the value does not match the contract's schema: {}",
                errors.join("; ")
            ));
            return Ok(status);
        }
    }
    let keys = if declared.keys.is_empty() {
        &contract.keys
    } else {
        &declared.keys
    };
    status.diff = Diff::between(&contract, &value, &description, schema, keys);
    // Against a base: what this commit changes relative to the value the base
    // computes (as if that one were published). Nothing pending against the
    // published value means nothing to publish, whatever the base says.
    if let Some((commit, file)) = ctx.base
        && !status.diff.is_empty()
    {
        match base_contract(ws, commit, file, ctx.realm, domain, export, &contract) {
            Ok(baseline) => {
                status.diff = Diff::between(&baseline, &value, &description, schema, keys);
            }
            Err(e) => status.notes.push(format!(
                "the base's value cannot be computed ({e}): compared with the published {}",
                contract.version
            )),
        }
    }
    status.bump = status.diff.bump();
    if let Some(bump) = status.bump {
        match next_version(&contract.version, bump) {
            Some(next) => {
                for c in &mut status.consumers {
                    c.judge(&status.diff, &next);
                }
                status.next_version = Some(next);
            }
            None => {
                status.error = Some(format!(
                    "{path}: version {} cannot take a {bump} bump: that number is already the largest a version can hold",
                    contract.version
                ));
                return Ok(status);
            }
        }
    }
    status.value = Some(value);
    status.declared = Some(declared);
    Ok(status)
}

/// The contract `published` becomes when a sync publishes `value`, declared by
/// `declared`, on `date` (what a provider's branch would publish once merged): the
/// next version with its changelog entry; unchanged when nothing changes.
pub fn proposed(
    published: &ContractFile,
    value: Value,
    declared: &Declared,
    date: jiff::civil::Date,
) -> ContractFile {
    let description = declared
        .description
        .clone()
        .unwrap_or_else(|| published.description.clone());
    let schema = declared.schema.as_ref().or(published.schema.as_ref());
    let keys = if declared.keys.is_empty() {
        &published.keys
    } else {
        &declared.keys
    };
    let diff = Diff::between(published, &value, &description, schema, keys);
    let Some(next) = diff
        .bump()
        .and_then(|b| next_version(&published.version, b))
    else {
        return published.clone();
    };
    let mut c = published.clone();
    c.changelog.push(ChangelogEntry {
        version: next.clone(),
        date,
        commit: None,
        changes: diff.lines(),
        removed: diff.breaking_items(ChangeKind::Removed),
        changed: diff.breaking_items(ChangeKind::Changed),
    });
    c.version = next;
    c.value = value;
    c.description = description;
    c.schema = schema.cloned();
    c.keys = keys.clone();
    c
}

/// The contract as the base commit would have published it: the published one with
/// the base's value, description and schema.
pub(super) fn base_contract(
    ws: &dyn Workspace,
    commit: gix::ObjectId,
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    published: &ContractFile,
) -> std::result::Result<ContractFile, String> {
    let declared = declaration(
        file,
        realm,
        domain,
        export,
        &format!("the base {}", crate::ui::short(&commit)),
    )?;
    let value = ws
        .evaluate(At::Commit(commit), &declared.source)
        .map_err(|e| e.message)?;
    let mut base = published.clone();
    base.value = value;
    if let Some(d) = declared.description {
        base.description = d;
    }
    if declared.schema.is_some() {
        base.schema = declared.schema;
    }
    Ok(base)
}

/// What the working tree would change in the value computed at `HEAD` (or, when
/// that fails, in the published one): lines to show, never to publish.
pub(super) fn uncommitted(
    ws: &dyn Workspace,
    file: &Result<Option<ExportsFile>>,
    realm: &str,
    domain: &str,
    export: &Export,
    head: &std::result::Result<(Declared, Value), String>,
    published: Option<&ContractFile>,
) -> Vec<String> {
    let declared = match declaration(file, realm, domain, export, "the working tree") {
        Ok(d) => d,
        Err(e) => return vec![format!("cannot compute: {e}")],
    };
    let value = match ws.evaluate(At::Uncommitted, &declared.source) {
        Ok(v) => v,
        Err(e) => return vec![format!("cannot compute: {}", e.message)],
    };
    let (base, keys) = match (head, published) {
        (Ok((d, v)), _) => (v, d.keys.clone()),
        (Err(_), Some(c)) => (&c.value, c.keys.clone()),
        (Err(_), None) => return Vec::new(),
    };
    let keys = if declared.keys.is_empty() {
        keys
    } else {
        declared.keys.clone()
    };
    let mut lines: Vec<String> = Diff::of(items::diff(base, &value, &keys)).lines();
    if let Ok((d, _)) = head
        && d.description != declared.description
    {
        lines.push("description updated".to_owned());
    }
    lines
}

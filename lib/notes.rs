//! Git notes under `refs/notes/realm`: one JSON object per line, so that notes
//! written on two machines merge cleanly by taking the union of their lines (what
//! `git notes merge -s cat_sort_uniq` does).
//!
//! The `git notes` porcelain has no compare-and-swap (parallel `git notes append`
//! silently loses writes, and `git notes merge` moves the ref unconditionally), so
//! notes are written and merged here: read the notes commit(s), write the new
//! blobs, tree and commit, and move the ref with a compare-and-swap; on a lost
//! race, start over from the new notes commit.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;

use crate::error::{Context, Error, Result};
use crate::git;

pub const NOTES_REF: &str = "refs/notes/realm";

const MAX_ATTEMPTS: u32 = 32;

/// Where git may keep the note of `hex`: flat, or fanned out (2/38, 2/2/36).
fn candidate_paths(hex: &str) -> [String; 3] {
    [
        hex.to_owned(),
        format!("{}/{}", &hex[..2], &hex[2..]),
        format!("{}/{}/{}", &hex[..2], &hex[2..4], &hex[4..]),
    ]
}

fn find_note(
    repo: &gix::Repository,
    tree: Option<&gix::Tree<'_>>,
    target: ObjectId,
) -> Result<Option<(String, String)>> {
    let Some(tree) = tree else { return Ok(None) };
    let hex = target.to_string();
    for path in candidate_paths(&hex) {
        if let Some(entry) = tree
            .lookup_entry_by_path(&path)
            .context(|| format!("cannot read notes at {path}"))?
            && entry.mode().is_blob()
        {
            let blob = repo
                .find_blob(entry.object_id())
                .context(|| format!("cannot read note {path}"))?;
            return Ok(Some((
                path,
                String::from_utf8_lossy(&blob.data).into_owned(),
            )));
        }
    }
    Ok(None)
}

fn notes_tree(repo: &gix::Repository, tip: Option<ObjectId>) -> Result<Option<gix::Tree<'_>>> {
    match tip {
        None => Ok(None),
        Some(id) => {
            let commit = repo
                .find_commit(id)
                .context(|| format!("cannot read {NOTES_REF}"))?;
            Ok(Some(commit.tree().context(|| {
                format!("cannot read the tree of {NOTES_REF}")
            })?))
        }
    }
}

/// The lines of the note on `target`.
pub fn read(repo: &gix::Repository, target: ObjectId) -> Result<Vec<String>> {
    let tip = git::ref_target(repo, NOTES_REF)?;
    let tree = notes_tree(repo, tip)?;
    Ok(find_note(repo, tree.as_ref(), target)?
        .map(|(_, text)| {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default())
}

/// Add `lines` (JSON objects, one per line) to the note on `target`, skipping lines
/// already there. Returns whether anything was written.
pub fn append(repo: &gix::Repository, target: ObjectId, lines: &[String]) -> Result<bool> {
    for line in lines {
        if line.contains('\n') {
            return Err(Error::usage(
                "a realm note line must be a single line of JSON",
            ));
        }
    }
    for _ in 0..MAX_ATTEMPTS {
        let tip = git::ref_target(repo, NOTES_REF)?;
        let tree = notes_tree(repo, tip)?;
        let existing = find_note(repo, tree.as_ref(), target)?;
        let (path, mut text) = existing.unwrap_or_else(|| (target.to_string(), String::new()));
        let present: Vec<&str> = text.lines().collect();
        let new: Vec<&String> = lines
            .iter()
            .filter(|l| !present.contains(&l.as_str()))
            .collect();
        if new.is_empty() {
            return Ok(false);
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for l in new {
            text.push_str(l);
            text.push('\n');
        }
        let empty = ObjectId::empty_tree(repo.object_hash());
        let mut editor = repo
            .edit_tree(tree.as_ref().map(|t| t.id).unwrap_or(empty))
            .context(|| "cannot edit the notes tree".into())?;
        let blob = repo
            .write_blob(text.as_bytes())
            .context(|| "cannot write a note".into())?;
        editor
            .upsert(
                path.as_str(),
                gix::object::tree::EntryKind::Blob,
                blob.detach(),
            )
            .context(|| "cannot place the note".into())?;
        let new_tree = editor
            .write()
            .context(|| "cannot write the notes tree".into())?
            .detach();
        let commit = git::new_commit(repo, "Notes added by 'git realm'", new_tree, tip)?;
        if git::cas_ref(repo, NOTES_REF, tip, commit, "notes: git realm")? {
            return Ok(true);
        }
    }
    Err(Error::conflict(format!(
        "{NOTES_REF} kept moving: could not add the note to {target}"
    )))
}

/// Every note of the notes commit `tip`: the annotated object's hex id → its text.
/// Fanned-out paths (`ab/cdef…`) are read as git reads them.
fn all_notes(repo: &gix::Repository, tip: ObjectId) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if let Some(tree) = notes_tree(repo, Some(tip))? {
        collect(repo, &tree, String::new(), &mut out)?;
    }
    Ok(out)
}

fn collect(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    prefix: String,
    out: &mut BTreeMap<String, String>,
) -> Result<()> {
    for entry in tree.iter() {
        let entry = entry.context(|| format!("cannot decode the tree of {NOTES_REF}"))?;
        let name = entry.filename().to_string();
        if !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue; // not a note (git ignores such entries too)
        }
        let path = format!("{prefix}{name}");
        if entry.mode().is_tree() {
            let sub = repo
                .find_tree(entry.object_id())
                .context(|| format!("cannot read notes under {path}"))?;
            collect(repo, &sub, path, out)?;
        } else if entry.mode().is_blob() {
            let blob = repo
                .find_blob(entry.object_id())
                .context(|| format!("cannot read note {path}"))?;
            out.insert(
                path.to_ascii_lowercase(),
                String::from_utf8_lossy(&blob.data).into_owned(),
            );
        }
    }
    Ok(())
}

/// The union of two notes' lines, sorted, each once (`cat_sort_uniq`).
fn union(a: &str, b: &str) -> String {
    let lines: BTreeSet<&str> = a
        .lines()
        .chain(b.lines())
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

/// Merge the notes commit `other` (another machine's `refs/notes/realm`) into
/// the local `refs/notes/realm`, which must still be at `local`: every note
/// becomes the union of both sides' lines. Writes a merge commit and moves the
/// ref by compare-and-swap. `Ok(None)`: the ref moved meanwhile (re-read and try
/// again).
pub fn merge(repo: &gix::Repository, local: ObjectId, other: ObjectId) -> Result<Option<ObjectId>> {
    let mut merged = all_notes(repo, local)?;
    for (target, text) in all_notes(repo, other)? {
        let combined = match merged.get(&target) {
            Some(mine) => union(mine, &text),
            None => text,
        };
        merged.insert(target, combined);
    }
    let empty = ObjectId::empty_tree(repo.object_hash());
    let mut editor = repo
        .edit_tree(empty)
        .context(|| "cannot edit the notes tree".into())?;
    for (target, text) in &merged {
        let blob = repo
            .write_blob(text.as_bytes())
            .context(|| "cannot write a note".into())?;
        editor
            .upsert(
                target.as_str(),
                gix::object::tree::EntryKind::Blob,
                blob.detach(),
            )
            .context(|| "cannot place a note".into())?;
    }
    let tree = editor
        .write()
        .context(|| "cannot write the notes tree".into())?
        .detach();
    let commit = git::new_commit(
        repo,
        "Notes merged by 'git realm push'",
        tree,
        [local, other],
    )?;
    Ok(git::cas_ref(repo, NOTES_REF, Some(local), commit, "notes: merge")?.then_some(commit))
}

/// The JSON-line note recording that HEAD resolves an import.
pub fn resolution(realm: &str, domain: &str, contract: &str, version: &semver::Version) -> String {
    #[derive(serde::Serialize)]
    struct Resolution<'a> {
        realm: &'a str,
        resolves: String,
    }
    serde_json::to_string(&Resolution {
        realm,
        resolves: format!("{domain}/{contract}@{version}"),
    })
    .expect("a note serialises")
}

/// The JSON-line note recording that HEAD acknowledges a version of an import
/// without changing it.
pub fn acknowledgement(
    realm: &str,
    domain: &str,
    contract: &str,
    version: &semver::Version,
    by: &str,
) -> String {
    serde_json::json!({
        "realm": realm,
        "resolves": format!("{domain}/{contract}@{version}"),
        "acknowledged_by": by,
    })
    .to_string()
}

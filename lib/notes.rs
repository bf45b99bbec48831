//! Git notes under `refs/notes/realm`: one JSON object per line, so that notes
//! written on two machines merge cleanly with `git notes merge -s cat_sort_uniq`.
//!
//! The `git notes` porcelain has no compare-and-swap (parallel `git notes append`
//! silently loses writes), so notes are written here: read the notes commit, add
//! the lines to the note's blob, write a new tree and commit, and move the ref with
//! a compare-and-swap; on a lost race, start over from the new notes commit.

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

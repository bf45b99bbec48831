//! Signatures: the user's signing key as git is configured to use it, realm commits
//! signed by git itself (`git commit-tree -S`: gix cannot sign), and verification
//! of a commit's signature against exactly the keys a caller allows
//! (`git verify-commit` with a temporary `gpg.ssh.allowedSignersFile`).
//!
//! This module knows nothing about realms: callers say which keys count.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::run::Git;
use crate::error::{Error, Result};

/// Which signature format git is configured for (`gpg.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenPgp,
    Ssh,
    X509,
}

/// `gpg.format` (default openpgp, as in git).
pub fn format(repo: &gix::Repository) -> Format {
    match super::config_string(repo, "gpg.format").as_deref() {
        Some("ssh") => Format::Ssh,
        Some("x509") => Format::X509,
        _ => Format::OpenPgp,
    }
}

/// The public part of the user's configured signing key (`user.signingkey`), in
/// the form others verify against: an ssh public key `TYPE BASE64` (from a
/// `key::` literal, a literal key, or the file it names, or that file's `.pub`
/// sibling), or an OpenPGP fingerprint / key id. `None` when none is configured
/// or it cannot be told (an x509 setup, a gpg user id instead of a key id).
pub fn user_key(repo: &gix::Repository) -> Option<String> {
    let value = super::config_string(repo, "user.signingkey")?;
    let value = value.trim();
    match format(repo) {
        Format::Ssh => ssh_public_key(value),
        Format::OpenPgp => {
            let hex = value.trim_start_matches("0x").replace(' ', "");
            ((16..=40).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| hex.to_ascii_uppercase())
        }
        Format::X509 => None,
    }
}

fn ssh_public_key(value: &str) -> Option<String> {
    let literal = value.strip_prefix("key::").unwrap_or(value);
    if let Some(k) = first_two(literal).filter(|k| looks_public(k)) {
        return Some(k);
    }
    let path = expand_home(value);
    let mut candidates = vec![path.clone()];
    let mut pub_path = path.into_os_string();
    pub_path.push(".pub");
    candidates.push(PathBuf::from(pub_path));
    candidates.into_iter().find_map(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        first_two(text.trim()).filter(|k| looks_public(k))
    })
}

fn looks_public(key: &str) -> bool {
    key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-")
}

fn first_two(text: &str) -> Option<String> {
    let mut parts = text.split_whitespace();
    Some(format!("{} {}", parts.next()?, parts.next()?))
}

fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(value),
    }
}

/// Whether the user asked git to sign every commit (`commit.gpgsign`).
pub fn signs_commits(repo: &gix::Repository) -> bool {
    repo.config_snapshot()
        .boolean("commit.gpgsign")
        .unwrap_or(false)
}

/// Write a commit object signed with the user's key by git itself:
/// `git commit-tree TREE -p PARENT… -S -F FILE` (author, committer and dates
/// from the user's configuration and environment, as for any commit). No ref
/// moves. The signing program is the user's (ssh-keygen, gpg), so its words are
/// shown as they are when it fails. `required`: the realm is `trust: signed`
/// (else the user's `commit.gpgSign` asked for it), for the hint.
pub fn signed_commit(
    repo: &gix::Repository,
    required: bool,
    message: &str,
    tree: gix::ObjectId,
    parents: impl IntoIterator<Item = gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let mut file = tempfile::NamedTempFile::new()
        .map_err(|e| Error::internal(format!("cannot write a temporary file: {e}")))?;
    file.write_all(message.as_bytes())
        .map_err(|e| Error::internal(format!("cannot write a temporary file: {e}")))?;
    let mut cmd = Git::in_repo(repo)
        .user_locale()
        .args(["commit-tree", "-S"])
        .arg(tree.to_string());
    for p in parents {
        cmd = cmd.arg("-p").arg(p.to_string());
    }
    let out = cmd.arg("-F").arg(file.path()).output()?;
    if !out.success {
        return Err(Error::external(format!(
            "cannot sign the realm commit with your key: {}",
            out.reason()
        ))
        .hint(if required {
            "this realm is `trust: signed`: set up signing as git documents it (user.signingkey, gpg.format) and check that `git commit -S` works"
        } else {
            "your git config signs every commit (commit.gpgSign): fix signing (check that `git commit -S` works), or write this one unsigned with `git -c commit.gpgSign=false realm …`"
        }));
    }
    gix::ObjectId::from_hex(out.stdout.trim().as_bytes())
        .map_err(|e| Error::external(format!("git commit-tree printed no commit id: {e}")))
}

/// Whether `commit` carries a signature at all.
pub fn is_signed(repo: &gix::Repository, commit: gix::ObjectId) -> Result<bool> {
    let c = repo
        .find_commit(commit)
        .map_err(|e| Error::internal(format!("cannot read commit {commit}: {e}")))?;
    let decoded = c
        .decode()
        .map_err(|e| Error::internal(format!("cannot decode commit {commit}: {e}")))?;
    Ok(decoded
        .extra_headers()
        .find("gpgsig")
        .or_else(|| decoded.extra_headers().find("gpgsig-sha256"))
        .is_some())
}

/// Whether `commit` in the repository at `git_dir` is signed by one of `keys`
/// (each `(principal, public key)`), as `git verify-commit` judges it. ssh keys
/// are checked against an allowed-signers file holding exactly these keys;
/// OpenPGP keys (fingerprints or key ids) against the user's gpg keyring, the
/// key that made the signature being compared with them.
pub fn verified_by(
    repo: &gix::Repository,
    commit: gix::ObjectId,
    keys: &[(String, String)],
) -> Result<bool> {
    let ssh: Vec<&(String, String)> = keys.iter().filter(|(_, k)| k.contains(' ')).collect();
    let pgp: Vec<String> = keys
        .iter()
        .filter(|(_, k)| !k.contains(' '))
        .map(|(_, k)| k.to_ascii_uppercase())
        .collect();
    let mut allowed = tempfile::NamedTempFile::new()
        .map_err(|e| Error::internal(format!("cannot write a temporary file: {e}")))?;
    for (principal, key) in &ssh {
        writeln!(allowed, "{principal} namespaces=\"git\" {key}")
            .map_err(|e| Error::internal(format!("cannot write a temporary file: {e}")))?;
    }
    let allowed_cfg = format!("gpg.ssh.allowedSignersFile={}", allowed.path().display());
    let out = Git::in_repo(repo)
        .args(["-c", &allowed_cfg, "verify-commit", "--raw"])
        .arg(commit.to_string())
        .output()?;
    if !out.success {
        return Ok(false);
    }
    if out.stderr.contains("[GNUPG:]") {
        // OpenPGP: the signing key, or the primary key of a signing subkey (the
        // last field of VALIDSIG), must be one of the recorded ones.
        let recorded = |fpr: &str| {
            let fpr = fpr.to_ascii_uppercase();
            pgp.iter().any(|k| fpr == *k || fpr.ends_with(k.as_str()))
        };
        return Ok(out.stderr.lines().any(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            matches!(fields.as_slice(), ["[GNUPG:]", "VALIDSIG", signing, .., primary]
                if recorded(signing) || recorded(primary))
        }));
    }
    // ssh: git found the key among the allowed signers we wrote.
    Ok(!ssh.is_empty())
}

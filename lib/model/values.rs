//! Validated scalar types: names, urls, paths, e-mails, forge slugs, signing keys,
//! commit ids. Each refuses a bad value while deserialising, so none reaches a
//! command.

use super::*;

macro_rules! validated_string {
    ($(#[$doc:meta])* $ty:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $ty(String);

        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(value: String) -> std::result::Result<Self, String> {
                $check(&value)?;
                Ok($ty(value))
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(value: &str) -> std::result::Result<Self, String> {
                $ty::try_from(value.to_owned())
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

validated_string!(
    /// A realm, repo, domain, contract or change name: `^[a-z0-9][a-z0-9-]{0,62}$`.
    Name,
    check_name
);
validated_string!(
    /// A shareable git url: `scheme://…`, scp-like `host:path`, or an absolute path.
    /// Never a relative path (it would mean something different on every machine).
    Url,
    check_url
);
validated_string!(
    /// A path relative to a repository's root: no `..`, no absolute paths.
    RelPath,
    check_rel_path
);
validated_string!(
    /// An e-mail address, as git identities use them.
    Email,
    check_email
);
validated_string!(
    /// A forge slug `owner/name`, as `gh --repo` takes it.
    ForgeSlug,
    check_forge_slug
);
validated_string!(
    /// A public signing key as git verifies it: an ssh public key
    /// (`ssh-ed25519 AAAA…`, without its comment) or an OpenPGP fingerprint.
    SigningKey,
    check_signing_key
);
validated_string!(
    /// A full hexadecimal object id.
    CommitId,
    check_commit_id
);

pub fn check_name(s: &str) -> std::result::Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid name (lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)"
        ))
    }
}

pub(super) fn check_url(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Err("the url is empty".into());
    }
    // A local path may hold spaces (`/home/me/My Repos/app.git`): it is only
    // ever an argument of its own, never a shell word. No other whitespace, and
    // none in a network url.
    let local = s.starts_with('/') || s.starts_with("file://");
    if s.chars()
        .any(|c| (c.is_whitespace() && !(local && c == ' ')) || c.is_control())
    {
        return Err(format!(
            "{s:?} is not a valid url (it contains whitespace or control characters)"
        ));
    }
    // A leading '-' would be read as an option by git.
    if s.starts_with('-') {
        return Err(format!("{s:?} is not a valid url (it starts with '-')"));
    }
    // `<transport>::<address>` runs a remote helper (`ext::` runs any command,
    // `fd::` waits on a file descriptor): never from a url someone else wrote.
    if s.contains("::") {
        return Err(format!(
            "{s:?} is not a valid url (`<transport>::` remote helpers are not allowed)"
        ));
    }
    if let Some((scheme, rest)) = s.split_once("://") {
        let known = ["https", "ssh", "git", "file"];
        if !known.contains(&scheme) {
            return Err(format!(
                "{s:?} is not a valid url (scheme {scheme:?}; use https, ssh, git or file)"
            ));
        }
        if rest.is_empty() {
            return Err(format!(
                "{s:?} is not a valid url (nothing after {scheme}://)"
            ));
        }
        return Ok(());
    }
    if s.starts_with('/') {
        return Ok(());
    }
    // scp-like: [user@]host:path, with no '/' before the first ':'.
    if let Some((host, path)) = s.split_once(':') {
        let host_ok = !host.is_empty()
            && !host.starts_with('-')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-@[]".contains(&b));
        if host_ok && !path.is_empty() && !path.starts_with('-') {
            return Ok(());
        }
    }
    Err(format!(
        "{s:?} is not a shareable url (use https://…, ssh://…, git://…, user@host:path, file://… or an absolute path)"
    ))
}

/// A branch name a change may use, wherever it comes from (command line or realm):
/// a valid git branch name, not an option, not a full ref name (`refs/heads/x`
/// would become `refs/heads/refs/heads/x`), not `HEAD`, and not a usual default
/// branch (a change's branch is pushed and may be force-pushed: it must never be
/// the branch the repository ships). Each repository's own default branch is
/// checked where the repository is at hand (`commands::change`).
pub fn check_branch_name(s: &str) -> std::result::Result<(), String> {
    if s.is_empty()
        || s.starts_with('-')
        || gix::validate::reference::name_partial(s.into()).is_err()
    {
        return Err(format!("{s:?} is not a valid branch name"));
    }
    if s.starts_with("refs/") || s == "HEAD" || s.ends_with("/HEAD") {
        return Err(format!(
            "{s:?} is a ref name, not a branch name (write the branch without refs/heads/)"
        ));
    }
    if ["main", "master", "trunk", "develop"].contains(&s) {
        return Err(format!(
            "{s:?} is a default branch: a change needs a branch of its own"
        ));
    }
    Ok(())
}

/// A revision a change's branch starts from (`--base`): a ref name, never an option.
pub fn check_base(s: &str) -> std::result::Result<(), String> {
    if s.is_empty()
        || s.starts_with('-')
        || s.contains("..")
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
        || gix::validate::reference::name_partial(s.into()).is_err()
    {
        return Err(format!("{s:?} is not a branch, tag or commit"));
    }
    Ok(())
}

pub(super) fn check_rel_path(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Err("the path is empty".into());
    }
    if s.starts_with('/')
        || s.contains('\\')
        || s.contains('\0')
        || s.contains(':') && s.len() > 1 && s.as_bytes()[1] == b':'
    {
        return Err(format!(
            "{s:?} must be a relative path inside the repository"
        ));
    }
    for part in s.split('/') {
        match part {
            "" | "." => return Err(format!("{s:?} has an empty or '.' component")),
            ".." => return Err(format!("{s:?} must not contain '..'")),
            _ => {}
        }
    }
    Ok(())
}

fn check_email(s: &str) -> std::result::Result<(), String> {
    let ok = s.contains('@')
        && !s.starts_with('@')
        && !s.ends_with('@')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not a valid e-mail address"))
    }
}

fn check_forge_slug(s: &str) -> std::result::Result<(), String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match s.split_once('/') {
        Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(()),
        _ => Err(format!("{s:?} is not a forge slug of the form owner/name")),
    }
}

fn check_signing_key(s: &str) -> std::result::Result<(), String> {
    const SSH: [&str; 7] = [
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ];
    let parts: Vec<&str> = s.split(' ').collect();
    let base64 = |p: &str| {
        p.len() >= 16
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    };
    let ok = match parts.as_slice() {
        [kind, blob] => SSH.contains(kind) && base64(blob),
        [fingerprint] => {
            (16..=40).contains(&fingerprint.len())
                && fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a signing key (an ssh public key `TYPE BASE64` without comment, or an OpenPGP fingerprint)"
        ))
    }
}

fn check_commit_id(s: &str) -> std::result::Result<(), String> {
    let ok = (s.len() == 40 || s.len() == 64)
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a full lowercase hexadecimal commit id"
        ))
    }
}

/// A UTC timestamp, written as RFC 3339 (`2026-01-24T10:00:00Z`).
pub type Timestamp = jiff::Timestamp;

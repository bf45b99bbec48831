//! Forges (GitHub): recognising a repository's `owner/name` from its url.
//!
//! git-realm never calls a forge API itself; later commands run the user's `gh`
//! with `--repo owner/name`, which comes from here.

/// `owner/name` for a GitHub url (`https://github.com/o/n(.git)`,
/// `git@github.com:o/n.git`, `ssh://git@github.com/o/n`), else `None`.
pub fn github_slug(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("http://github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("ssh://github.com/"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, name) = rest.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    (ok(owner) && ok(name)).then(|| format!("{owner}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::github_slug;

    #[test]
    fn recognises_github_urls() {
        for url in [
            "https://github.com/o/n",
            "https://github.com/o/n.git",
            "git@github.com:o/n.git",
            "ssh://git@github.com/o/n",
        ] {
            assert_eq!(github_slug(url).as_deref(), Some("o/n"), "{url}");
        }
        assert_eq!(github_slug("https://gitlab.com/o/n"), None);
        assert_eq!(github_slug("/srv/git/n.git"), None);
        assert_eq!(github_slug("https://github.com/o/n/extra"), None);
    }
}

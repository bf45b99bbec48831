use super::*;

#[test]
fn names() {
    for ok in [
        "a",
        "aperture",
        "fungal-image-analysis",
        "0x",
        &"a".repeat(63),
    ] {
        assert!(check_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-a", "A", "a_b", "../x", "a/b", "a.b", &"a".repeat(64)] {
        assert!(check_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn urls() {
    for ok in [
        "https://github.com/o/n.git",
        "git@github.com:o/n.git",
        "/srv/git/realm.git",
        "file:///tmp/r",
        "ssh://git@h/o/n",
        "git://h/o/n",
        "user@host.example:path/x.git",
        "/home/me/My Repos/app.git",
        "file:///home/me/My Repos/app.git",
    ] {
        assert!(check_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "relative/path",
        "./x",
        "../x",
        "-oProxyCommand=x",
        "ftp://x",
        "http://x/y",
        "a b",
        "https://h/a b",
        "git@h:a b",
        "/srv/a\tb",
        "/srv/a\nb",
        "https://",
        "fd::7",
        "ext::sh -c x",
        "ext::x",
        "host::path",
        "-x:y",
        "h:-upload-pack=x",
    ] {
        assert!(check_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn branches() {
    for ok in ["feat/x", "fix-auth", "a/b/c"] {
        assert!(check_branch_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "-x",
        "main",
        "master",
        "HEAD",
        "refs/heads/main",
        "refs/heads/x",
        "a..b",
        "a b",
        "x\u{1b}[31m",
    ] {
        assert!(check_branch_name(bad).is_err(), "{bad}");
    }
    assert!(check_base("main").is_ok());
    assert!(check_base("--upload-pack=x").is_err());
}

#[test]
fn format_newer_than_this_build_is_refused_with_the_version() {
    let err = check_format(b"format: 999999\nname: x\nfuture: {}\n").unwrap_err();
    assert!(err.message.contains("needs git-realm"), "{}", err.message);
    assert!(check_format(b"format: 1\nname: x\n").is_ok());
    assert!(
        check_format(b"[not, a, map]").is_ok(),
        "left to the full parse"
    );
}

#[test]
fn rel_paths() {
    for ok in ["a", "cdk/stack.py", "a/b.c/d"] {
        assert!(check_rel_path(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "/etc/passwd",
        "../x",
        "a/../b",
        "a//b",
        "./a",
        "a\\b",
        "C:/x",
    ] {
        assert!(check_rel_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn parse_names_file_and_field() {
    let bad =
        b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\nmaintainers: [not-an-email]\n";
    let err = parse::<RepoFile>("repos/x.yaml", bad).unwrap_err();
    assert!(err.message.contains("repos/x.yaml"), "{}", err.message);
    assert!(err.message.contains("maintainers[0]"), "{}", err.message);

    let err = parse::<RepoFile>(
        "repos/y.yaml",
        b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\n",
    )
    .unwrap_err();
    assert!(err.message.contains("field `name`"), "{}", err.message);
}

/// A byte order mark first is YAML's to allow: the document reads as without it
/// (libyaml, told the input is UTF-8, would take it for part of the first key).
#[test]
fn a_byte_order_mark_first_is_read_past() {
    let domain = "name: d\ndescription: ''\nmembers:\n- a\n- b\ncreated_at: 2026-01-01T00:00:00Z\n";
    let with_bom = format!("\u{feff}{domain}");
    let plain = parse::<DomainFile>("domains/d/domain.yaml", domain.as_bytes()).unwrap();
    let marked = parse::<DomainFile>("domains/d/domain.yaml", with_bom.as_bytes()).unwrap();
    assert_eq!(plain, marked);
    let repo = "\u{feff}name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\n";
    assert!(parse::<RepoFile>("repos/x.yaml", repo.as_bytes()).is_ok());
    assert!(check_format("\u{feff}format: 999999\nname: x\n".as_bytes()).is_err());
}

#[test]
fn render_is_canonical() {
    let mut repo = parse::<RepoFile>(
        "repos/x.yaml",
        b"name: x\nurl: /srv/x\njoined_at: 2026-01-01T00:00:00Z\nmaintainers: [b@x.org, a@x.org, b@x.org]\n",
    )
    .unwrap();
    let once = render(&repo);
    repo.maintainers.reverse();
    assert_eq!(once, render(&repo));
    assert_eq!(
        once,
        "name: x\nurl: /srv/x\nmaintainers:\n- a@x.org\n- b@x.org\njoined_at: 2026-01-01T00:00:00Z\n"
    );
}

#[test]
fn an_unknown_field_suggests_a_newer_git_realm() {
    let err = parse::<DomainFile>(
        "domains/d/domain.yaml",
        b"name: d\nmembers: [a]\nfrom_the_future: 1\n",
    )
    .err()
    .unwrap();
    assert!(err.message.contains("from_the_future"), "{}", err.message);
    assert!(
        err.hints.iter().any(|h| h.contains("newer git-realm")),
        "{err:?}"
    );
}

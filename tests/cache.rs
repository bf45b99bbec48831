//! The local realm cache (`$GIT_COMMON_DIR/realm/cache/`) never changes an
//! answer: after random edits of a realm — members added and removed, bindings,
//! imports, contracts, changes, malformed files — every command shows the same
//! with the cache (and its facts of every domain) as without it
//! (`GIT_REALM_CACHE=0`), for every repo; and a cache or facts file that is
//! corrupt, truncated or foreign is ignored.

mod common;

use common::World;

const T: &str = "2026-01-24T10:00:00Z";
const REPOS: [&str; 6] = ["aperture", "fungal", "r1", "r2", "r3", "r4"];
const DOMAINS: [&str; 4] = ["d1", "d2", "d3", "d4"];
const CONTRACTS: [&str; 2] = ["c1", "c2"];
/// What `random_edit` writes to break a file.
const BROKEN: [&str; 5] = [
    "name: [unclosed\n",
    "repo: [\n",
    "id: [\n",
    "name: [\n",
    "name: c\nowner: [x]\n",
];

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    fn some<'a>(&mut self, from: &[&'a str]) -> Vec<&'a str> {
        from.iter()
            .copied()
            .filter(|_| self.below(2) == 0)
            .collect()
    }
}

/// One random edit: a path and its new content (`None`: remove it).
fn random_edit(rng: &mut Rng) -> (String, Option<String>) {
    let d = rng.pick(&DOMAINS);
    let r = rng.pick(&REPOS);
    let list = |names: &[&str]| names.iter().map(|n| format!("- {n}\n")).collect::<String>();
    let broken = rng.below(12) == 0;
    match rng.below(7) {
        0 | 1 => {
            let members = rng.some(&REPOS);
            // Descriptions with what the facts file escapes.
            let description = rng.pick(&["''", r#""tab\there, new\nline, back\\slash""#]);
            let text = if broken {
                BROKEN[0].to_owned()
            } else {
                format!(
                    "name: {d}\ndescription: {description}\nmembers:\n{}created_at: {T}\n",
                    list(&members)
                )
            };
            (format!("domains/{d}/domain.yaml"), Some(text))
        }
        2 => {
            let path = format!("domains/{d}/bindings/{r}.yaml");
            match rng.below(3) {
                0 => (path, None),
                _ if broken => (path, Some(BROKEN[1].into())),
                _ => {
                    let mut contracts = rng.some(&CONTRACTS);
                    if contracts.is_empty() {
                        contracts.push(rng.pick(&CONTRACTS));
                    }
                    let imports: String = contracts
                        .iter()
                        .map(|c| {
                            let resolved = rng.pick(&["", "  resolved_version: 1.0.0\n"]);
                            format!(
                                "- contract: {c}\n  version: ^1\n  binding: README.md\n{resolved}"
                            )
                        })
                        .collect();
                    let imports = if imports.is_empty() {
                        " []\n".to_owned()
                    } else {
                        format!("\n{imports}")
                    };
                    (
                        path,
                        Some(format!("repo: {r}\nexports: []\nimports:{imports}")),
                    )
                }
            }
        }
        5 => {
            let c = rng.pick(&CONTRACTS);
            let path = format!("domains/{d}/contracts/{c}.yaml");
            let version = rng.pick(&["1.0.0", "1.2.0", "2.0.0"]);
            // Contracts break more often: only the facts read them.
            match rng.below(4) {
                0 => (path, None),
                1 if rng.below(2) == 0 => (path, Some(BROKEN[3].into())),
                _ if broken => (path, Some(BROKEN[4].into())),
                _ => (
                    path,
                    Some(format!(
                        "name: {c}\nowner: {r}\nversion: {version}\nvalue: [x]\n"
                    )),
                ),
            }
        }
        3 | 6 => {
            let id = format!("c{}", rng.below(4));
            let path = format!("changes/{id}.yaml");
            let repos = rng.some(&REPOS);
            let status = rng.pick(&["open", "merged", "abandoned"]);
            match rng.below(4) {
                0 => (path, None),
                _ if broken => (path, Some(BROKEN[2].into())),
                _ => (
                    path,
                    Some(format!(
                        "id: {id}\nbranch: feat/{id}\nrepos:{}status: {status}\ncreated_by: a@example.com\ncreated_at: {T}\n",
                        if repos.is_empty() {
                            " []\n".to_owned()
                        } else {
                            format!("\n{}", list(&repos))
                        }
                    )),
                ),
            }
        }
        _ => {
            let path = format!("repos/{r}.yaml");
            if rng.below(3) == 0 && !["aperture", "fungal"].contains(&r) {
                (path, None)
            } else {
                (
                    path,
                    Some(format!("name: {r}\nurl: /srv/{r}.git\njoined_at: {T}\n")),
                )
            }
        }
    }
}

/// Commit `edits` onto the realm's main branch, as hand edits.
fn apply(w: &World, edits: &[(String, Option<String>)]) {
    let work = "edit";
    let _ = std::fs::remove_dir_all(w.path(work));
    w.git(".", &["clone", "-q", "acme.git", work]).ok();
    for (path, content) in edits {
        let full = w.path(work).join(path);
        match content {
            Some(text) => {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, text).unwrap();
                w.git(work, &["add", path]).ok();
            }
            None => {
                w.git(work, &["rm", "-q", "-f", "--ignore-unmatch", path])
                    .ok();
            }
        }
    }
    w.git(work, &["commit", "-q", "--allow-empty", "-m", "hand edit"])
        .ok();
    w.git(work, &["push", "-q", "origin", "main"]).ok();
    std::fs::remove_dir_all(w.path(work)).unwrap();
}

/// What `git realm ARGS` in `dir` answers, without what depends on the clock.
fn answer(w: &World, dir: &str, args: &[&str], cache: bool) -> String {
    let env = [(
        "GIT_REALM_CACHE".to_owned(),
        if cache { "1" } else { "0" }.to_owned(),
    )];
    let run = w.realm_env(dir, args, &env);
    let mut out = match serde_json::from_str::<serde_json::Value>(&run.stdout) {
        Ok(mut json) => {
            for realm in json["realms"].as_array_mut().into_iter().flatten() {
                realm.as_object_mut().unwrap().remove("local_copy");
            }
            json.to_string()
        }
        Err(_) => run.stdout.clone(),
    };
    out.push_str(&format!("\nexit {}\n{}", run.code, run.stderr));
    out
}

fn realm_with_members() -> World {
    let w = World::new();
    let realm = w.bare_realm("acme");
    for r in ["aperture", "fungal"] {
        w.member(r);
        w.realm(r, &["join", &realm]).ok();
    }
    w
}

#[test]
fn the_cache_never_changes_an_answer_after_random_edits() {
    let w = realm_with_members();
    let mut rng = Rng(0x5eed_1234_abce);
    // What the rounds saw, so a generator that only makes broken realms fails.
    let (mut answered, mut with_domains, mut with_changes, mut with_edges) = (0, 0, 0, 0);
    // The malformed files in the realm: every third round removes them, so that
    // realms read in full (`graph`) are not broken for good after the first one.
    let mut broken = std::collections::BTreeSet::new();
    for round in 0..24 {
        let mut edits: Vec<_> = (0..=rng.below(4)).map(|_| random_edit(&mut rng)).collect();
        for (path, content) in &edits {
            match content {
                Some(text) if BROKEN.iter().any(|b| text == b) => broken.insert(path.clone()),
                _ => broken.remove(path),
            };
        }
        if round % 3 == 2 {
            edits.extend(std::mem::take(&mut broken).into_iter().map(|p| (p, None)));
        }
        apply(&w, &edits);
        // The cache follows the local copy: updated from the previous tree.
        w.realm("fungal", &["status", "--fetch", "-q"]);
        for me in REPOS {
            w.git("fungal", &["config", "realm.acme.member", me]).ok();
            for args in [
                &["status", "--json"][..],
                &["status", "--short"][..],
                &["check", "--json"][..],
                &["domain", "list", "--json"][..],
                &["domain", "list"][..],
                &["domain", "show", "d1", "--json"][..],
                &["graph"][..],
                &["graph", "--json"][..],
                &["graph", "--format", "dot"][..],
                &["leave", "-n", "--json"][..],
            ] {
                let cached = answer(&w, "fungal", args, true);
                let uncached = answer(&w, "fungal", args, false);
                if args == ["status", "--json"] && cached.contains("\nexit 0\n") {
                    answered += 1;
                    with_domains += usize::from(!cached.contains(r#""domains":[]"#));
                    with_changes += usize::from(!cached.contains(r#""changes":[]"#));
                }
                if args == ["graph", "--json"] {
                    with_edges += usize::from(cached.contains(r#""edges":[{"#));
                }
                assert_eq!(
                    cached,
                    uncached,
                    "round {round}, as {me}, `git realm {}` after {edits:?}",
                    args.join(" ")
                );
            }
        }
    }
    assert!(
        answered >= 48 && with_domains >= 12 && with_changes >= 12 && with_edges >= 6,
        "too few realms worth comparing: {answered} answered, {with_domains} with domains, {with_changes} with changes, {with_edges} with edges"
    );
    let cache = w.path("fungal/.git/realm/cache");
    assert!(
        std::fs::read_dir(&cache).unwrap().count() > 0,
        "no cache was written in {}",
        cache.display()
    );
}

/// The domains and contracts fungal imports in `heavy_world`: every contract
/// of every domain.
const HEAVY_DOMAINS: [&str; 3] = ["h1", "h2", "h3"];
const HEAVY_CONTRACTS: [&str; 5] = ["k1", "k2", "k3", "k4", "k5"];

/// fungal's binding in domain `d`: it imports every contract, some of them
/// with the items it uses, resolved at 1.0.0 or never.
fn heavy_binding(rng: &mut Rng, d: &str) -> (String, Option<String>) {
    let imports: String = HEAVY_CONTRACTS
        .iter()
        .map(|c| {
            let resolved = rng.pick(&["", "  resolved_version: 1.0.0\n"]);
            let uses = rng.pick(&["", "  uses: [x]\n"]);
            format!("- contract: {c}\n  version: ^1\n  binding: README.md\n{resolved}{uses}")
        })
        .collect();
    let text = format!("repo: fungal\nexports: []\nimports:\n{imports}");
    (format!("domains/{d}/bindings/fungal.yaml"), Some(text))
}

/// A contract of `heavy_world` at `version` with `value`, owned by aperture.
fn heavy_contract(c: &str, version: &str, value: &str, changelog: &str) -> String {
    format!("name: {c}\nowner: aperture\nversion: {version}\nvalue: {value}\n{changelog}")
}

/// One random edit of what fungal's imports read: a contract republished
/// (compatible or breaking, dropping what fungal uses), malformed, misnamed or
/// removed; now and then a binding rewritten or malformed.
fn heavy_edit(rng: &mut Rng) -> (String, Option<String>) {
    let d = rng.pick(&HEAVY_DOMAINS);
    let c = rng.pick(&HEAVY_CONTRACTS);
    let path = format!("domains/{d}/contracts/{c}.yaml");
    match rng.below(9) {
        0 => (path, None),
        1 => (path, Some(BROKEN[3].into())),
        2 => (path, Some(heavy_contract("other", "1.0.0", "[x]", ""))),
        3 => (
            path,
            Some(heavy_contract(
                c,
                "2.0.0",
                "[y]",
                "changelog:\n- version: 2.0.0\n  date: 2026-01-20\n  changes: ['removed: x']\n  removed: [x]\n",
            )),
        ),
        4 if rng.below(2) == 0 => (
            format!("domains/{d}/bindings/fungal.yaml"),
            Some(BROKEN[1].into()),
        ),
        4 => heavy_binding(rng, d),
        _ => {
            let version = rng.pick(&["1.0.0", "1.1.0", "1.2.0"]);
            let value = rng.pick(&["[x]", "[x, y]", "{x: 1}"]);
            (path, Some(heavy_contract(c, version, value, "")))
        }
    }
}

/// A realm where fungal imports every contract of three domains, aperture
/// providing them, and fungal's local copy of it (with its caches).
fn heavy_world(rng: &mut Rng) -> World {
    let w = realm_with_members();
    let mut files = Vec::new();
    for d in HEAVY_DOMAINS {
        files.push((
            format!("domains/{d}/domain.yaml"),
            format!("name: {d}\nmembers: [aperture, fungal]\ncreated_at: {T}\n"),
        ));
        for c in HEAVY_CONTRACTS {
            files.push((
                format!("domains/{d}/contracts/{c}.yaml"),
                heavy_contract(c, "1.0.0", "[x]", ""),
            ));
        }
        let (path, text) = heavy_binding(rng, d);
        files.push((path, text.unwrap()));
    }
    w.edit_realm("acme.git", &files);
    w.realm("fungal", &["status", "--fetch", "-q"]);
    w
}

#[test]
fn the_parsed_documents_never_change_an_answer_of_a_member_with_many_imports() {
    let mut rng = Rng(0x1e47_beef_0013);
    let w = heavy_world(&mut rng);
    let mut broken = std::collections::BTreeSet::new();
    let (mut answered, mut limited) = (0, 0);
    for round in 0..15 {
        let mut edits: Vec<_> = (0..=rng.below(4)).map(|_| heavy_edit(&mut rng)).collect();
        for (path, content) in &edits {
            match content {
                Some(text) if text.contains("name: other") || BROKEN.contains(&text.as_str()) => {
                    broken.insert(path.clone())
                }
                _ => broken.remove(path),
            };
        }
        if round % 2 == 1 {
            // Malformed files go back to good ones, so many rounds answer.
            for path in std::mem::take(&mut broken) {
                let mut parts = path.split('/').skip(1);
                let (d, file) = (parts.next().unwrap(), parts.nth(1).unwrap());
                edits.push(match file.strip_suffix(".yaml").unwrap() {
                    "fungal" => heavy_binding(&mut rng, d),
                    c => (path.clone(), Some(heavy_contract(c, "1.0.0", "[x]", ""))),
                });
            }
        }
        apply(&w, &edits);
        w.realm("fungal", &["status", "--fetch", "-q"]);
        // Every fourth round, a size limit under some of the contracts read before.
        let limit = round % 4 == 3;
        if limit {
            w.git("fungal", &["config", "realm.maxFileSize", "60"]).ok();
        }
        for args in [&["status", "--json"][..], &["check", "--json"][..]] {
            // Parsed and recorded, then found; the same as read from the tree.
            let first = answer(&w, "fungal", args, true);
            let again = answer(&w, "fungal", args, true);
            let uncached = answer(&w, "fungal", args, false);
            let what = format!(
                "round {round}, `git realm {}` after {edits:?}",
                args.join(" ")
            );
            assert_eq!(first, uncached, "{what}");
            assert_eq!(again, uncached, "{what} (a second time)");
            if args == ["status", "--json"] {
                answered += usize::from(first.matches(r#""contract":"k"#).count() >= 10);
                limited += usize::from(limit && first.contains("over the limit"));
            }
        }
        if limit {
            w.git("fungal", &["config", "--unset", "realm.maxFileSize"])
                .ok();
        }
    }
    assert!(
        answered >= 5 && limited >= 1,
        "too few realms worth comparing: {answered} answered, {limited} over the size limit"
    );
    assert!(
        w.path("fungal/.git/realm/cache/realm-acme-main.docs")
            .exists()
    );
}

/// A member's plain imports are judged from the heads of their contracts (owner
/// and newest version) once their contracts were read: never where the contract
/// itself would answer otherwise.
#[test]
fn the_heads_of_contracts_answer_as_the_contracts_would() {
    let w = realm_with_members();
    let big_value: Vec<String> = (0..100).map(|i| format!("item-{i:02}")).collect();
    let contract = |c: &str, value: &str, changelog: &str| {
        format!("name: {c}\nowner: aperture\nversion: 1.0.0\nvalue: {value}\n{changelog}")
    };
    let imports: String = ["plain", "big", "ahead"]
        .iter()
        .map(|c| {
            format!(
                "- contract: {c}\n  version: ^1\n  binding: README.md\n  resolved_version: 1.0.0\n"
            )
        })
        .collect();
    let files = [
        (
            "domains/h/domain.yaml".to_owned(),
            format!("name: h\nmembers: [aperture, fungal]\ncreated_at: {T}\n"),
        ),
        (
            "domains/h/contracts/plain.yaml".to_owned(),
            contract("plain", "[x]", ""),
        ),
        (
            "domains/h/contracts/big.yaml".to_owned(),
            contract("big", &format!("[{}]", big_value.join(", ")), ""),
        ),
        // Its changelog holds a version newer than the contract's own: what that
        // entry changed is listed, so no head can stand for it.
        (
            "domains/h/contracts/ahead.yaml".to_owned(),
            contract(
                "ahead",
                "[x]",
                "changelog:\n- version: 1.5.0\n  date: 2026-01-20\n  changes: ['added: y']\n",
            ),
        ),
        (
            "domains/h/bindings/fungal.yaml".to_owned(),
            format!("repo: fungal\nexports: []\nimports:\n{imports}"),
        ),
    ];
    w.edit_realm("acme.git", &files);
    w.realm("fungal", &["status", "--fetch", "-q"]).ok();
    let docs = w.path("fungal/.git/realm/cache/realm-acme-main.docs");
    for args in [&["check", "--json"][..], &["status", "--json"][..]] {
        let uncached = answer(&w, "fungal", args, false);
        // The first reads the contracts and records their heads; the next one
        // judges from the heads.
        for time in ["first", "second"] {
            assert_eq!(
                answer(&w, "fungal", args, true),
                uncached,
                "{args:?}, {time}"
            );
        }
        assert!(
            std::fs::read_to_string(&docs)
                .unwrap()
                .contains("\tcontract-heads-3\t"),
            "no heads recorded"
        );
    }
    let check = answer(&w, "fungal", &["check", "--json"], true);
    assert!(check.contains("1.5.0: added: y"), "{check}");
    assert_eq!(check.matches(r#""state":"current""#).count(), 3, "{check}");

    // Under a size limit the big contract is over, its head is not used either.
    w.git("fungal", &["config", "realm.maxFileSize", "600"])
        .ok();
    for args in [&["check", "--json"][..], &["status", "--json"][..]] {
        let cached = answer(&w, "fungal", args, true);
        assert_eq!(cached, answer(&w, "fungal", args, false), "{args:?}");
        assert!(cached.contains("over the limit"), "{cached}");
    }
}

#[test]
fn a_corrupt_or_foreign_cache_file_is_ignored() {
    // The domain `d` line names fungal; the changed byte makes it name nobody.
    corrupt_files_are_ignored(
        "cache",
        &["status", "--json"],
        ("aperture,fungal", "aperture,xxxxxx"),
    );
}

#[test]
fn a_corrupt_or_foreign_docs_file_is_ignored() {
    // A resolved version the changed byte makes another one.
    corrupt_files_are_ignored(
        "docs",
        &["status", "--json"],
        (
            "\"resolved_version\":\"1.0.0\"",
            "\"resolved_version\":\"1.9.0\"",
        ),
    );
}

#[test]
fn a_corrupt_or_foreign_facts_file_is_ignored() {
    corrupt_files_are_ignored(
        "facts",
        &["domain", "list", "--json"],
        ("aperture\u{1e}fungal", "aperture\u{1e}xxxxxx"),
    );
}

/// `git realm ARGS` answers as without the cache when the file `*.EXT` it
/// wrote is corrupt (`change` swaps a string for one of the same length), of
/// another format, truncated, empty or garbage; and the file is written anew.
fn corrupt_files_are_ignored(ext: &str, args: &[&str], change: (&str, &str)) {
    let w = realm_with_members();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    // fungal imports: its status records the documents it parsed.
    let mut rng = Rng(7);
    let mut edits = vec![heavy_binding(&mut rng, "d")];
    edits.push((
        "domains/d/contracts/k1.yaml".into(),
        Some(heavy_contract("k1", "1.0.0", "[x]", "")),
    ));
    apply(&w, &edits);
    w.realm("fungal", &["status", "--fetch", "-q"]).ok();
    let expected = answer(&w, "fungal", args, false);
    assert_eq!(answer(&w, "fungal", args, true), expected);
    let dir = w.path("fungal/.git/realm/cache");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == ext))
        .unwrap_or_else(|| panic!("{args:?} wrote no .{ext} file"));
    let good = std::fs::read(&file).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let unnamed = text.replacen(change.0, change.1, 1);
    assert_ne!(unnamed, text);
    // The format line is `git-realm EXT N VERSION`: the same file in format 99.
    let format = text.lines().next().unwrap();
    let number = format.split(' ').nth(2).unwrap();
    let foreign = text.replacen(
        format,
        &format.replacen(&format!(" {number} "), " 99 ", 1),
        1,
    );
    assert_ne!(foreign, text);
    let corrupt: Vec<(&str, Vec<u8>)> = vec![
        ("a changed byte", unnamed.into_bytes()),
        ("another format", foreign.into_bytes()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"\x00\xffnot a cache\n".to_vec()),
    ];
    for (what, bytes) in corrupt {
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(answer(&w, "fungal", args, true), expected, "{what}");
        // …and replaced by a good one.
        assert_ne!(std::fs::read(&file).unwrap(), bytes, "{what}");
    }
}

/// The tree `id` written again with its entries in reverse order: what git never
/// writes, but a hand-made realm can hold (`hash-object --literally`).
fn reversed_tree(w: &World, dir: &str, id: &str) -> String {
    let listing = w.git(dir, &["ls-tree", "-z", id]).ok().stdout;
    let mut tree = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()).rev() {
        let (head, name) = entry.split_once('\t').unwrap();
        let fields: Vec<&str> = head.split(' ').collect();
        let mode = fields[0].trim_start_matches('0');
        tree.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        let oid = fields[2];
        tree.extend(
            (0..oid.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&oid[i..i + 2], 16).unwrap()),
        );
    }
    let file = w.path("reversed-tree");
    std::fs::write(&file, tree).unwrap();
    let written = w.git(
        dir,
        &[
            "hash-object",
            "-t",
            "tree",
            "--literally",
            "-w",
            file.to_str().unwrap(),
        ],
    );
    written.ok().stdout.trim().to_owned()
}

#[test]
fn a_realm_tree_out_of_git_order_answers_as_without_the_cache() {
    let w = realm_with_members();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    // Enough entries that a bisection of the reversed trees would miss most.
    let mut edits: Vec<(String, Option<String>)> = (0..24)
        .map(|i| {
            let r = format!("r{i:02}");
            (
                format!("repos/{r}.yaml"),
                Some(format!("name: {r}\nurl: /srv/{r}.git\njoined_at: {T}\n")),
            )
        })
        .collect();
    edits.extend((0..12).map(|i| {
        let d = format!("e{i:02}");
        (
            format!("domains/{d}/domain.yaml"),
            Some(format!(
                "name: {d}\nmembers:\n- r{i:02}\n- fungal\ncreated_at: {T}\n"
            )),
        )
    }));
    apply(&w, &edits);
    // The same commit, with `repos/` and `domains/` out of order.
    let work = "edit";
    w.git(".", &["clone", "-q", "acme.git", work]).ok();
    let mut root = String::new();
    for line in w.git(work, &["ls-tree", "HEAD"]).ok().stdout.lines() {
        let (head, name) = line.split_once('\t').unwrap();
        let id = head.split(' ').nth(2).unwrap();
        let id = match name {
            "repos" | "domains" => reversed_tree(&w, work, id),
            _ => id.to_owned(),
        };
        let kind = head.split(' ').nth(1).unwrap();
        let mode = head.split(' ').next().unwrap();
        root.push_str(&format!("{mode} {kind} {id}\t{name}\n"));
    }
    let tree_file = w.path("root-tree");
    std::fs::write(&tree_file, &root).unwrap();
    let mut mktree = w.command(&w.path(work), "git", &["mktree"]);
    mktree.stdin(std::fs::File::open(&tree_file).unwrap());
    let root_id = w.run_cmd(mktree).ok().stdout.trim().to_owned();
    let commit = w
        .git(
            work,
            &["commit-tree", &root_id, "-p", "HEAD", "-m", "out of order"],
        )
        .ok()
        .stdout
        .trim()
        .to_owned();
    w.git(
        work,
        &["push", "-q", "origin", &format!("{commit}:refs/heads/main")],
    )
    .ok();
    w.realm("fungal", &["status", "--fetch", "-q"]);
    for me in ["fungal", "r03", "r20", "nobody"] {
        w.git("fungal", &["config", "realm.acme.member", me]).ok();
        for args in [&["status", "--json"][..], &["domain", "list", "--json"][..]] {
            let cached = answer(&w, "fungal", args, true);
            let uncached = answer(&w, "fungal", args, false);
            assert_eq!(cached, uncached, "as {me}, `git realm {}`", args.join(" "));
        }
    }
}

/// A member's binding whose imports are all plain and current is kept as one
/// line with its domain: never where the binding and its contracts would
/// answer otherwise.
#[test]
fn a_binding_kept_as_current_answers_as_the_binding_would() {
    let w = realm_with_members();
    let big: Vec<String> = (0..100).map(|i| format!("item-{i:02}")).collect();
    let contract = |c: &str, version: &str, value: &str| {
        (
            format!("domains/h/contracts/{c}.yaml"),
            Some(format!(
                "name: {c}\nowner: aperture\nversion: {version}\nvalue: {value}\n"
            )),
        )
    };
    let binding = |extra: &str| {
        let imports: String = ["one", "two", "big"]
            .iter()
            .map(|c| {
                format!(
                    "- contract: {c}\n  version: '>=1.0.0, <2.0.0'\n  binding: docs/a binding.md\n  resolved_version: 1.0.0\n"
                )
            })
            .collect();
        (
            "domains/h/bindings/fungal.yaml".to_owned(),
            Some(format!(
                "repo: fungal\nexports: []\nimports:\n{imports}{extra}"
            )),
        )
    };
    apply(
        &w,
        &[
            (
                "domains/h/domain.yaml".to_owned(),
                Some(format!(
                    "name: h\nmembers: [aperture, fungal]\ncreated_at: {T}\n"
                )),
            ),
            contract("one", "1.0.0", "[x]"),
            contract("two", "1.0.0", "[x]"),
            contract("big", "1.0.0", &format!("[{}]", big.join(", "))),
            binding(""),
        ],
    );
    let docs = w.path("fungal/.git/realm/cache/realm-acme-main.docs");
    let compare = |what: &str| {
        w.realm("fungal", &["status", "--fetch", "-q"]);
        for args in [
            &["status", "--json"][..],
            &["check", "--json"][..],
            &["status"][..],
            &["check"][..],
        ] {
            let uncached = answer(&w, "fungal", args, false);
            // Judged and kept, then read from what was kept.
            for time in ["first", "second"] {
                let cached = answer(&w, "fungal", args, true);
                assert_eq!(cached, uncached, "{what}: {args:?}, {time}");
            }
        }
    };
    compare("all current");
    assert!(
        std::fs::read_to_string(&docs)
            .unwrap()
            .contains("\tcurrent-imports-1\t"),
        "nothing kept"
    );
    let check = answer(&w, "fungal", &["check", "--json"], true);
    assert_eq!(check.matches(r#""state":"current""#).count(), 3, "{check}");
    assert!(
        check.contains(r#""binding":"docs/a binding.md""#),
        "{check}"
    );

    // A newer version of one: that import is stale, the others still current.
    apply(&w, &[contract("one", "1.1.0", "[x, y]")]);
    compare("one republished");
    // Resolved again: all current, kept again.
    let resolved =
        binding("")
            .1
            .unwrap()
            .replacen("resolved_version: 1.0.0", "resolved_version: 1.1.0", 1);
    apply(
        &w,
        &[("domains/h/bindings/fungal.yaml".to_owned(), Some(resolved))],
    );
    compare("resolved again");
    // Under a size limit the big contract is over, what was kept is not used.
    w.git("fungal", &["config", "realm.maxFileSize", "600"])
        .ok();
    compare("size limit");
    let limited = answer(&w, "fungal", &["check", "--json"], true);
    assert!(limited.contains("over the limit"), "{limited}");
    w.git("fungal", &["config", "--unset", "realm.maxFileSize"])
        .ok();
    // An import that says what it uses, and an export: judged from the binding.
    apply(&w, &[binding("  uses: [x]\n")]);
    compare("uses");
    let (path, text) = binding("");
    let text = text.unwrap().replace(
        "exports: []",
        "exports:\n- contract: mine\n  source:\n    kind: value\n    value: [z]\n",
    );
    apply(&w, &[(path, Some(text)), contract("mine", "1.0.0", "[z]")]);
    compare("exports");
}

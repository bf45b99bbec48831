//! The local realm cache (`$GIT_COMMON_DIR/realm/cache/`) never changes an
//! answer: after random edits of a realm — members added and removed, bindings,
//! changes, malformed files — every command shows the same with the cache as
//! without it (`GIT_REALM_CACHE=0`), for every repo; and a cache file that is
//! corrupt, truncated or foreign is ignored.

mod common;

use common::World;

const T: &str = "2026-01-24T10:00:00Z";
const REPOS: [&str; 6] = ["aperture", "fungal", "r1", "r2", "r3", "r4"];
const DOMAINS: [&str; 4] = ["d1", "d2", "d3", "d4"];

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
    match rng.below(5) {
        0 | 1 => {
            let members = rng.some(&REPOS);
            let text = if broken {
                "name: [unclosed\n".to_owned()
            } else {
                format!(
                    "name: {d}\ndescription: ''\nmembers:\n{}created_at: {T}\n",
                    list(&members)
                )
            };
            (format!("domains/{d}/domain.yaml"), Some(text))
        }
        2 => {
            let path = format!("domains/{d}/bindings/{r}.yaml");
            match rng.below(3) {
                0 => (path, None),
                _ if broken => (path, Some("repo: [\n".into())),
                _ => (path, Some(format!("repo: {r}\nexports: []\nimports: []\n"))),
            }
        }
        3 => {
            let id = format!("c{}", rng.below(4));
            let path = format!("changes/{id}.yaml");
            let repos = rng.some(&REPOS);
            let status = rng.pick(&["open", "merged", "abandoned"]);
            match rng.below(4) {
                0 => (path, None),
                _ if broken => (path, Some("id: [\n".into())),
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
                w.git(work, &["rm", "-q", "--ignore-unmatch", path]).ok();
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
    let mut rng = Rng(0x5eed_1234_abcd);
    // What the rounds saw, so a generator that only makes broken realms fails.
    let (mut answered, mut with_domains, mut with_changes) = (0, 0, 0);
    for round in 0..24 {
        let edits: Vec<_> = (0..=rng.below(4)).map(|_| random_edit(&mut rng)).collect();
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
                &["graph"][..],
            ] {
                let cached = answer(&w, "fungal", args, true);
                let uncached = answer(&w, "fungal", args, false);
                if args == ["status", "--json"] && cached.contains("\nexit 0\n") {
                    answered += 1;
                    with_domains += usize::from(!cached.contains(r#""domains":[]"#));
                    with_changes += usize::from(!cached.contains(r#""changes":[]"#));
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
        answered >= 48 && with_domains >= 12 && with_changes >= 12,
        "too few realms worth comparing: {answered} answered, {with_domains} with domains, {with_changes} with changes"
    );
    let cache = w.path("fungal/.git/realm/cache");
    assert!(
        std::fs::read_dir(&cache).unwrap().count() > 0,
        "no cache was written in {}",
        cache.display()
    );
}

#[test]
fn a_corrupt_or_foreign_cache_file_is_ignored() {
    let w = realm_with_members();
    w.realm(
        "aperture",
        &["domain", "create", "d", "--repos", "aperture,fungal"],
    )
    .ok();
    w.realm("fungal", &["status", "--fetch", "-q"]).ok();
    let expected = answer(&w, "fungal", &["status", "--json"], false);
    let dir = w.path("fungal/.git/realm/cache");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cache"))
        .expect("status wrote a cache file");
    let good = std::fs::read(&file).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    // The domain `d` line names fungal; make it name nobody, keeping the length.
    let unnamed = text.replacen("aperture,fungal", "aperture,xxxxxx", 1);
    assert_ne!(unnamed, text);
    let foreign = text.replacen("git-realm cache 1 ", "git-realm cache 9 ", 1);
    let corrupt: Vec<(&str, Vec<u8>)> = vec![
        ("a changed byte", unnamed.into_bytes()),
        ("another format", foreign.into_bytes()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"\x00\xffnot a cache\n".to_vec()),
    ];
    for (what, bytes) in corrupt {
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(
            answer(&w, "fungal", &["status", "--json"], true),
            expected,
            "{what}"
        );
        // …and replaced by a good one.
        assert_ne!(std::fs::read(&file).unwrap(), bytes, "{what}");
    }
}

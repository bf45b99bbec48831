//! The items of a contract value, and the typed, structural diff between two values.
//!
//! A value is read as a tree of *items*, each with an identity:
//! - an object's entries are items named by their key path (`limits.max`; a key
//!   that contains `.`, `[`, `]`, `:` or `"` is quoted: `"a.b"`);
//! - an array's scalars are a set: each element is an item `path: element` (or just
//!   `element` at the root), identified by its typed value (`80` is not `"80"`);
//! - an array's objects are identified by a declared key field (`routes[path=/a]`)
//!   when every one of them has it, else by position (`routes[0]`); nested arrays
//!   by position.
//!
//! The diff lists each item added, removed or changed (present on both sides with a
//! different value: one line `~ path: old → new`). Items added → minor; removed or
//! changed → major. `diff(a, a)` is empty, and two values that differ other than by
//! the order or repetition of set elements always give at least one change.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One item added, removed or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The item's path (empty: the root).
    pub path: String,
    /// For a set element: the element, as displayed.
    pub element: Option<String>,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl Change {
    /// The item's identity, as `--uses` names it: `path`, `path: element`, or
    /// `element` for an element of a root set.
    pub fn item(&self) -> String {
        item_id(&self.path, self.element.as_deref())
    }

    /// How a person reads it: `+ read: jobs/*`, `- port: 80`, `~ port: 80 → 81`.
    pub fn line(&self) -> String {
        let shown = |v: &Option<Value>| v.as_ref().map(display).unwrap_or_default();
        match (self.kind, &self.element) {
            (ChangeKind::Added, Some(_)) => format!("+ {}", self.item()),
            (ChangeKind::Removed, Some(_)) => format!("- {}", self.item()),
            (ChangeKind::Added, None) => {
                format!("+ {}: {}", path_or_root(&self.path), shown(&self.new))
            }
            (ChangeKind::Removed, None) => {
                format!("- {}: {}", path_or_root(&self.path), shown(&self.old))
            }
            (ChangeKind::Changed, _) => format!(
                "~ {}: {} → {}",
                path_or_root(&self.path),
                shown(&self.old),
                shown(&self.new)
            ),
        }
    }

    /// The line without its marker (`read: jobs/*`, `port: 80 → 81`).
    pub fn text(&self) -> String {
        self.line()[2..].to_owned()
    }
}

fn path_or_root(path: &str) -> &str {
    if path.is_empty() { "(value)" } else { path }
}

/// The identity of an item at `path` (a set element when `element` is given).
pub fn item_id(path: &str, element: Option<&str>) -> String {
    match (path.is_empty(), element) {
        (true, Some(e)) => e.to_owned(),
        (false, Some(e)) => format!("{path}: {e}"),
        (_, None) => path_or_root(path).to_owned(),
    }
}

/// A scalar as people read it: strings bare unless they would read as another
/// type (or have surrounding blanks), then quoted; everything else as JSON.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let ambiguous = s.is_empty()
                || s.trim() != s
                || s.contains('\n')
                || s.starts_with('"')
                || serde_json::from_str::<Value>(s).is_ok_and(|p| !p.is_string());
            if ambiguous {
                Value::String(s.clone()).to_string()
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

/// A key as a path segment: bare when unambiguous, else quoted.
fn segment(key: &str) -> String {
    let plain =
        !key.is_empty() && key.trim() == key && !key.contains(['.', '[', ']', ':', '"', '\n']);
    if plain {
        key.to_owned()
    } else {
        Value::String(key.to_owned()).to_string()
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        segment(key)
    } else {
        format!("{path}.{}", segment(key))
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// The field that identifies the objects of both arrays: the first of `keys` that
/// every object has, as a scalar, with no two objects of one side sharing a value.
fn identity_field<'a>(keys: &'a [String], sides: &[&[&Map<String, Value>]]) -> Option<&'a str> {
    keys.iter().map(String::as_str).find(|k| {
        sides.iter().all(|objs| {
            let mut seen = BTreeSet::new();
            objs.iter().all(|o| {
                o.get(*k)
                    .filter(|v| is_scalar(v))
                    .is_some_and(|v| seen.insert(display(v)))
            })
        })
    })
}

/// The typed structural diff from `old` to `new`; `keys` are the declared identity
/// fields of arrays of objects.
pub fn diff(old: &Value, new: &Value, keys: &[String]) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", old, new, keys, &mut out);
    out
}

fn walk(path: &str, old: &Value, new: &Value, keys: &[String], out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = child(path, k);
                match b.get(k) {
                    Some(vb) => walk(&p, va, vb, keys, out),
                    None => out.push(whole(ChangeKind::Removed, p, Some(va), None)),
                }
            }
            for (k, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(whole(ChangeKind::Added, child(path, k), None, Some(vb)));
            }
        }
        (Value::Array(a), Value::Array(b)) => arrays(path, a, b, keys, out),
        (a, b) if a == b => {}
        (a, b) => out.push(whole(
            ChangeKind::Changed,
            path.to_owned(),
            Some(a),
            Some(b),
        )),
    }
}

fn whole(kind: ChangeKind, path: String, old: Option<&Value>, new: Option<&Value>) -> Change {
    Change {
        kind,
        path,
        element: None,
        old: old.cloned(),
        new: new.cloned(),
    }
}

/// The parts of an array: its scalars as a set (by display, which keeps types
/// apart), its objects, and its nested arrays.
struct Parts<'v> {
    set: BTreeMap<String, &'v Value>,
    objects: Vec<&'v Map<String, Value>>,
    arrays: Vec<&'v Value>,
}

fn parts(xs: &[Value]) -> Parts<'_> {
    let mut p = Parts {
        set: BTreeMap::new(),
        objects: Vec::new(),
        arrays: Vec::new(),
    };
    for x in xs {
        match x {
            Value::Object(o) => p.objects.push(o),
            Value::Array(_) => p.arrays.push(x),
            scalar => {
                p.set.insert(display(scalar), scalar);
            }
        }
    }
    p
}

fn arrays(path: &str, a: &[Value], b: &[Value], keys: &[String], out: &mut Vec<Change>) {
    let (pa, pb) = (parts(a), parts(b));
    for (shown, v) in pa.set.iter().filter(|(s, _)| !pb.set.contains_key(*s)) {
        out.push(element(ChangeKind::Removed, path, shown, v));
    }
    for (shown, v) in pb.set.iter().filter(|(s, _)| !pa.set.contains_key(*s)) {
        out.push(element(ChangeKind::Added, path, shown, v));
    }
    match identity_field(keys, &[&pa.objects, &pb.objects]) {
        Some(field) => {
            let index = |objs: &[&'_ Map<String, Value>]| -> BTreeMap<String, Value> {
                objs.iter()
                    .map(|o| (display(&o[field]), Value::Object((*o).clone())))
                    .collect()
            };
            let (ia, ib) = (index(&pa.objects), index(&pb.objects));
            for (id, va) in &ia {
                let p = format!("{path}[{}={id}]", segment(field));
                match ib.get(id) {
                    Some(vb) => walk(&p, va, vb, keys, out),
                    None => out.push(whole(ChangeKind::Removed, p, Some(va), None)),
                }
            }
            for (id, vb) in ib.iter().filter(|(id, _)| !ia.contains_key(*id)) {
                let p = format!("{path}[{}={id}]", segment(field));
                out.push(whole(ChangeKind::Added, p, None, Some(vb)));
            }
        }
        None => {
            let oa: Vec<Value> = pa
                .objects
                .iter()
                .map(|o| Value::Object((*o).clone()))
                .collect();
            let ob: Vec<Value> = pb
                .objects
                .iter()
                .map(|o| Value::Object((*o).clone()))
                .collect();
            positional(
                path,
                "",
                &oa.iter().collect::<Vec<_>>(),
                &ob.iter().collect::<Vec<_>>(),
                keys,
                out,
            );
        }
    }
    positional(path, "array ", &pa.arrays, &pb.arrays, keys, out);
}

/// Elements compared by position; `tag` keeps nested arrays' positions apart
/// from objects' (`[array 0]`).
fn positional(
    path: &str,
    tag: &str,
    a: &[&Value],
    b: &[&Value],
    keys: &[String],
    out: &mut Vec<Change>,
) {
    for i in 0..a.len().max(b.len()) {
        let p = format!("{path}[{tag}{i}]");
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => walk(&p, x, y, keys, out),
            (Some(x), None) => out.push(whole(ChangeKind::Removed, p, Some(x), None)),
            (None, Some(y)) => out.push(whole(ChangeKind::Added, p, None, Some(y))),
            (None, None) => {}
        }
    }
}

fn element(kind: ChangeKind, path: &str, shown: &str, v: &Value) -> Change {
    let (old, new) = match kind {
        ChangeKind::Added => (None, Some((*v).clone())),
        _ => (Some((*v).clone()), None),
    };
    Change {
        kind,
        path: path.to_owned(),
        element: Some(shown.to_owned()),
        old,
        new,
    }
}

/// Every item of `value`: the path of every node below the root, and every set
/// element (`path: element`). What `--uses` may name.
pub fn item_ids(value: &Value, keys: &[String]) -> BTreeSet<String> {
    // The diff from nothing lists the top items; walk the value itself for the rest.
    fn visit(path: &str, v: &Value, keys: &[String], out: &mut BTreeSet<String>) {
        if !path.is_empty() {
            out.insert(path.to_owned());
        }
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| visit(&child(path, k), x, keys, out)),
            Value::Array(xs) => {
                let p = parts(xs);
                for shown in p.set.keys() {
                    out.insert(item_id(path, Some(shown)));
                }
                match identity_field(keys, &[&p.objects]) {
                    Some(field) => {
                        for o in &p.objects {
                            let id = display(&o[field]);
                            let obj = Value::Object((*o).clone());
                            visit(&format!("{path}[{}={id}]", segment(field)), &obj, keys, out);
                        }
                    }
                    None => {
                        for (i, o) in p.objects.iter().enumerate() {
                            let obj = Value::Object((*o).clone());
                            visit(&format!("{path}[{i}]"), &obj, keys, out);
                        }
                    }
                }
                for (i, x) in p.arrays.iter().enumerate() {
                    visit(&format!("{path}[array {i}]"), x, keys, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    visit("", value, keys, &mut out);
    out
}

/// Every scalar of `value` with its place: `(path, element, scalar)`, the element
/// given for the members of a set.
pub fn leaves(value: &Value, keys: &[String]) -> Vec<(String, Option<String>, Value)> {
    fn visit(
        path: &str,
        v: &Value,
        keys: &[String],
        out: &mut Vec<(String, Option<String>, Value)>,
    ) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| visit(&child(path, k), x, keys, out)),
            Value::Array(xs) => {
                let p = parts(xs);
                for (shown, x) in &p.set {
                    out.push((path.to_owned(), Some(shown.clone()), (*x).clone()));
                }
                let field = identity_field(keys, &[&p.objects]);
                for (i, o) in p.objects.iter().enumerate() {
                    let at = match field {
                        Some(f) => format!("{path}[{}={}]", segment(f), display(&o[f])),
                        None => format!("{path}[{i}]"),
                    };
                    visit(&at, &Value::Object((*o).clone()), keys, out);
                }
                for (i, x) in p.arrays.iter().enumerate() {
                    visit(&format!("{path}[array {i}]"), x, keys, out);
                }
            }
            scalar => out.push((path.to_owned(), None, scalar.clone())),
        }
    }
    let mut out = Vec::new();
    visit("", value, keys, &mut out);
    out
}

/// Whether `descendant` is `ancestor` or lies below it (on a segment boundary).
pub fn within(descendant: &str, ancestor: &str) -> bool {
    ancestor.is_empty()
        || descendant == ancestor
        || descendant
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Whether `change` (a removal or a change) affects the used item `used`: the item
/// itself, something inside it, or something containing it changed or went away.
pub fn affects(change: &Change, used: &str) -> bool {
    if change.kind == ChangeKind::Added {
        return false;
    }
    let (used_path, used_element) = match used.split_once(": ") {
        Some((p, e)) => (p, Some(e)),
        None => (used, None),
    };
    match &change.element {
        Some(e) => {
            if change.path.is_empty() {
                // An element of the root set: named by itself, or the whole value.
                return used == e || used == "(value)";
            }
            match used_element {
                Some(ue) => used_path == change.path && ue == e,
                // Using the set (or something containing it) uses its elements.
                None => within(&change.path, used_path),
            }
        }
        None => {
            let path = if change.path.is_empty() {
                ""
            } else {
                change.path.as_str()
            };
            if path.is_empty() {
                return true;
            }
            within(used_path, path) || (used_element.is_none() && within(path, used_path))
        }
    }
}

/// A value in the canonical form the diff compares: sets of scalars sorted and
/// without repeats, ahead of the array's other elements (in their order).
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), canonical(x))).collect())
        }
        Value::Array(xs) => {
            let p = parts(xs);
            let mut out: Vec<Value> = p.set.values().map(|x| (*x).clone()).collect();
            out.extend(
                p.objects
                    .iter()
                    .map(|o| canonical(&Value::Object((*o).clone()))),
            );
            out.extend(p.arrays.iter().map(|x| canonical(x)));
            Value::Array(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(a: Value, b: Value) -> Vec<String> {
        diff(&a, &b, &[]).iter().map(Change::line).collect()
    }

    #[test]
    fn maps_by_key_sets_by_element_types_kept() {
        assert_eq!(
            lines(json!({"port": 80}), json!({"port": "80"})),
            ["~ port: 80 → \"80\""]
        );
        assert_eq!(
            lines(json!({"a.b": 1}), json!({"a": {"b": 1}})),
            ["- \"a.b\": 1", "+ a: {\"b\":1}"]
        );
        assert_eq!(lines(json!({}), json!({"xs": []})), ["+ xs: []"]);
        assert_eq!(
            lines(json!(["a", "b"]), json!(["b", "c", "b"])),
            ["- a", "+ c"]
        );
        assert_eq!(
            lines(json!({"read": ["a"]}), json!({"read": ["a", 1]})),
            ["+ read: 1"]
        );
        assert_eq!(lines(json!([80]), json!(["80"])), ["- 80", "+ \"80\""]);
        assert!(lines(json!({"x": [1, 2]}), json!({"x": [2, 1]})).is_empty());
    }

    #[test]
    fn a_changed_item_is_one_line() {
        assert_eq!(
            lines(
                json!({"parse": "(s: &str)"}),
                json!({"parse": "(s: &str, strict: bool)"})
            ),
            ["~ parse: (s: &str) → (s: &str, strict: bool)"]
        );
    }

    #[test]
    fn arrays_of_objects_by_key_or_position() {
        let a = json!({"routes": [{"path": "/a", "m": "GET"}, {"path": "/b", "m": "GET"}]});
        let b = json!({"routes": [{"path": "/b", "m": "GET"}, {"path": "/a", "m": "POST"}]});
        let keyed: Vec<String> = diff(&a, &b, &["path".into()])
            .iter()
            .map(Change::line)
            .collect();
        assert_eq!(keyed, ["~ routes[path=/a].m: GET → POST"]);
        let by_position = lines(a, b);
        assert_eq!(
            by_position,
            [
                "~ routes[0].path: /a → /b",
                "~ routes[1].m: GET → POST",
                "~ routes[1].path: /b → /a"
            ]
        );
    }

    #[test]
    fn uses_are_affected_by_what_contains_them_or_lies_in_them() {
        let removed = |path: &str, element: Option<&str>| Change {
            kind: ChangeKind::Removed,
            path: path.into(),
            element: element.map(Into::into),
            old: None,
            new: None,
        };
        assert!(affects(&removed("read", Some("b")), "read: b"));
        assert!(affects(&removed("read", Some("b")), "read"));
        assert!(!affects(&removed("read", Some("b")), "read: a"));
        assert!(!affects(&removed("read", Some("b")), "write"));
        assert!(affects(&removed("", Some("--port")), "--port"));
        assert!(!affects(&removed("", Some("--port")), "--host"));
        assert!(affects(&removed("limits", None), "limits.max"));
        assert!(affects(&removed("limits.max", None), "limits"));
        assert!(!affects(&removed("limits.max", None), "limits.min"));
        assert!(!affects(&removed("limit", None), "limits"));
        assert!(affects(
            &removed("routes[path=/a]", None),
            "routes[path=/a].m"
        ));
        let added = Change {
            kind: ChangeKind::Added,
            ..removed("x", None)
        };
        assert!(!affects(&added, "x"));
    }

    #[test]
    fn item_ids_name_every_node_and_element() {
        let ids = item_ids(&json!({"read": ["a"], "limits": {"max": 3}}), &[]);
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            ["limits", "limits.max", "read", "read: a"]
        );
    }

    /// A small seeded generator (xorshift), so failures reproduce.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn scalar(&mut self) -> Value {
            match self.below(6) {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 1),
                2 => json!(self.below(4)),
                3 => Value::String(self.below(4).to_string()),
                4 => Value::String(["a", "b", "a.b", ""][self.below(4) as usize].into()),
                _ => json!(self.below(3) as f64 + 0.5),
            }
        }
        fn value(&mut self, depth: u32) -> Value {
            if depth == 0 {
                return self.scalar();
            }
            match self.below(4) {
                0 => self.scalar(),
                1 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
                _ => Value::Object(
                    (0..self.below(4))
                        .map(|_| {
                            let k = ["a", "b", "a.b", "c"][self.below(4) as usize].to_owned();
                            (k, self.value(depth - 1))
                        })
                        .collect(),
                ),
            }
        }
        /// `v` with one random edit somewhere (possibly none at all).
        fn mutate(&mut self, v: &Value) -> Value {
            match v {
                Value::Object(m) if self.below(3) > 0 && !m.is_empty() => {
                    let mut m = m.clone();
                    let k = m
                        .keys()
                        .nth(self.below(m.len() as u64) as usize)
                        .unwrap()
                        .clone();
                    let x = self.mutate(&m[&k]);
                    m.insert(k, x);
                    Value::Object(m)
                }
                Value::Array(xs) if self.below(3) > 0 && !xs.is_empty() => {
                    let mut xs = xs.clone();
                    let i = self.below(xs.len() as u64) as usize;
                    xs[i] = self.mutate(&xs[i]);
                    Value::Array(xs)
                }
                _ => self.value(2),
            }
        }
    }

    #[test]
    fn property_no_change_means_no_diff_and_any_difference_is_a_change() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        for round in 0..5000 {
            let a = g.value(3);
            assert!(
                diff(&a, &a, &[]).is_empty(),
                "round {round}: diff(a, a) of {a}"
            );
            let b = g.mutate(&a);
            let changes = diff(&a, &b, &[]);
            let differ = canonical(&a) != canonical(&b);
            assert_eq!(
                !changes.is_empty(),
                differ,
                "round {round}: {a} → {b}: {:?}",
                changes.iter().map(Change::line).collect::<Vec<_>>()
            );
            // Every change names an item of one side or the other.
            for c in &changes {
                let ids = match c.kind {
                    ChangeKind::Added => item_ids(&b, &[]),
                    _ => item_ids(&a, &[]),
                };
                assert!(
                    c.path.is_empty() && c.element.is_none() || ids.contains(&c.item()),
                    "round {round}: {} not among {ids:?}",
                    c.item()
                );
            }
        }
    }
}

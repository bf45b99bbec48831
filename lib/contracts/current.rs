//! A member's imports in one domain, kept when every one of them is plain and
//! current, so that the next `status` and `check` read that one line instead of
//! the member's binding and its contracts' heads: a member with 2,000 imports
//! deserialized its 200 bindings for each `status`, only to find them current.
//!
//! Kept only for a binding that exports nothing and whose every import is plain
//! (no used items, no extraction, no `--verify`: see `heads`) and was judged
//! current exactly as a current import is built (nothing listed, nothing
//! broken). Such an import's state depends on its binding and its contract
//! alone, both files of the domain, and not on the day nor on the working tree.
//! So the line is derived from the domain as a whole (`Snapshot::derived`):
//! kept for the domain's tree, never read for another tree nor under edits to
//! the domain, and never under a size limit that would refuse the largest blob
//! it comes from. It names the member it is for; anything in it that does not
//! read back (a name, a version) makes it unused, and the binding is read.

use super::*;

/// Under which key of a domain the line is kept, and in which format.
const AT: (&str, &str) = ("current-imports", "current-imports-1");

/// Between the fields of an import, and between imports (and after the member's
/// name): no line is kept whose fields hold either.
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// The imports of a member's binding in one domain, all plain and current, in
/// the binding's order: the kept line, read in place when asked.
#[derive(Debug)]
pub struct CurrentImports {
    /// The imports' records, separated by `RECORD`, each `contract`,
    /// `requirement` (as it displays), `binding`, `version` (resolved, and the
    /// contract's newest) and `provider`, separated by `FIELD`.
    records: String,
    /// Each record's version.
    versions: Vec<Version>,
}

impl CurrentImports {
    /// The line kept for `me` in `domain` in the state `snapshot` shows, if any.
    pub(super) fn of(snapshot: &Snapshot<'_>, domain: &str, me: &str) -> Option<CurrentImports> {
        Self::parse(snapshot.derived(domain, AT)?, me)
    }

    fn parse(text: &str, me: &str) -> Option<CurrentImports> {
        let records = text.strip_prefix(me)?.strip_prefix(RECORD)?;
        let mut versions = Vec::new();
        let mut last: Option<(&str, Version)> = None;
        for record in split(records, RECORD as u8) {
            let mut f = split(record, FIELD as u8);
            let (contract, requirement, binding, version, provider) =
                (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            let name = |n: &str| model::check_name(n).is_ok();
            if f.next().is_some()
                || !name(contract)
                || !name(provider)
                || requirement.is_empty()
                || binding.is_empty()
            {
                return None;
            }
            // Most imports of a member resolved the same version.
            versions.push(match &last {
                Some((text, v)) if *text == version => v.clone(),
                _ => last.insert((version, version.parse().ok()?)).1.clone(),
            });
        }
        Some(CurrentImports {
            records: records.to_owned(),
            versions,
        })
    }

    fn records(&self) -> impl Iterator<Item = ([&str; 5], &Version)> {
        split(&self.records, RECORD as u8)
            .zip(&self.versions)
            .map(|(record, version)| {
                let mut f = split(record, FIELD as u8);
                let mut field = || f.next().unwrap_or_default();
                ([field(), field(), field(), field(), field()], version)
            })
    }

    /// The contracts imported, in the binding's order.
    pub fn contracts(&self) -> impl Iterator<Item = &str> {
        split(&self.records, RECORD as u8).map(|r| split(r, FIELD as u8).next().unwrap_or_default())
    }

    /// Each import's status, as judging it would build it, added to `out`.
    pub(super) fn statuses(&self, domain: &str, out: &mut Vec<ImportStatus>) {
        out.reserve(self.versions.len());
        out.extend(self.records().map(
            |([contract, requirement, binding, _, provider], version)| {
                let imported = imports::Imported {
                    contract,
                    requirement: requirement.to_owned(),
                    binding,
                    resolved: Some(version.clone()),
                };
                imported.status(domain, Some(provider.to_owned()), Some(version.clone()))
            },
        ));
    }
}

/// What judging one binding's imports learns for its line: kept only when every
/// import was plain and current.
pub(super) struct Learning {
    text: String,
    size: u64,
    keep: bool,
}

impl Learning {
    /// For `binding`, read from a blob of `size` bytes.
    pub(super) fn new(binding: &BindingFile, size: u64) -> Learning {
        let keep = binding.exports.is_empty() && !binding.imports.is_empty() && size > 0;
        let mut text = String::new();
        if keep {
            text.push_str(binding.repo.as_str());
        }
        Learning { text, size, keep }
    }

    /// Whether the line may still be kept (else nothing need be computed for it).
    pub(super) fn may_keep(&self) -> bool {
        self.keep
    }

    /// `import` (in `domain`) was judged to be `status`: kept only when that is
    /// the status a line rebuilds (current, resolved at the newest version,
    /// nothing listed or broken); any other means no line.
    pub(super) fn judged(&mut self, domain: &str, import: &Import, status: &ImportStatus) {
        if !self.keep {
            return;
        }
        match (&status.provider, &status.latest_version) {
            (Some(provider), Some(version))
                if status.resolved_version.as_ref() == Some(version)
                    && *status
                        == unjudged(
                            domain,
                            import,
                            status.requirement.clone(),
                            Some(provider.clone()),
                            Some(version.clone()),
                        ) =>
            {
                self.current(import, &status.requirement, provider, version)
            }
            _ => self.keep = false,
        }
    }

    /// `import` (plain) is current: provided by `provider` at `version`, which it
    /// resolved; its requirement displays as `requirement`.
    pub(super) fn current(
        &mut self,
        import: &Import,
        requirement: &str,
        provider: &str,
        version: &Version,
    ) {
        if !self.keep {
            return;
        }
        let version = version.to_string();
        let fields = [
            import.contract.as_str(),
            requirement,
            import.binding.as_str(),
            &version,
            provider,
        ];
        if !heads::plain(import)
            || fields
                .iter()
                .any(|f| f.contains([FIELD, RECORD, '\n', '\t']))
        {
            self.keep = false;
            return;
        }
        for (i, field) in fields.iter().enumerate() {
            self.text.push(if i == 0 { RECORD } else { FIELD });
            self.text.push_str(field);
        }
    }

    /// A contract was read from a blob of `size` bytes.
    pub(super) fn read(&mut self, size: u64) {
        self.size = self.size.max(size);
    }

    /// Keep the line, if every import was current, for the next command.
    pub(super) fn save(self, snapshot: &Snapshot<'_>, domain: &str) {
        if self.keep {
            snapshot.remember_derived(domain, AT, &self.text, self.size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(records: &[[&str; 5]]) -> String {
        let mut text = "me".to_owned();
        for r in records {
            text.push(RECORD);
            text.push_str(&r.join(&FIELD.to_string()));
        }
        text
    }

    #[test]
    fn a_line_reads_back_only_for_its_member_and_only_when_every_field_does() {
        let good = [
            ["c0", "^1", "README.md", "1.0.0", "prov"],
            [
                "c1",
                ">=1.2.0, <2.0.0",
                "dir with space/b.yaml",
                "1.3.0-rc.1",
                "prov",
            ],
        ];
        let read = CurrentImports::parse(&line(&good), "me").unwrap();
        assert_eq!(read.contracts().collect::<Vec<_>>(), ["c0", "c1"]);
        let mut out = Vec::new();
        read.statuses("d", &mut out);
        assert_eq!(out[1].requirement, ">=1.2.0, <2.0.0");
        assert_eq!(out[1].binding, "dir with space/b.yaml");
        assert_eq!(out[1].latest_version, Some("1.3.0-rc.1".parse().unwrap()));
        assert_eq!(out[1].resolved_version, out[1].latest_version);
        assert!(CurrentImports::parse(&line(&good), "you").is_none());
        assert!(CurrentImports::parse("me", "me").is_none());
        assert!(CurrentImports::parse(&line(&good), "m").is_none());
        for bad in [
            ["Bad Name", "^1", "README.md", "1.0.0", "prov"],
            ["c0", "", "README.md", "1.0.0", "prov"],
            ["c0", "^1", "", "1.0.0", "prov"],
            ["c0", "^1", "README.md", "1.0", "prov"],
            ["c0", "^1", "README.md", "1.0.0", "Prov!"],
        ] {
            assert!(
                CurrentImports::parse(&line(&[good[0], bad]), "me").is_none(),
                "{bad:?}"
            );
        }
        let extra = format!("{}{FIELD}more", line(&good));
        assert!(CurrentImports::parse(&extra, "me").is_none());
    }
}

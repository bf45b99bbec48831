//! The line files the local caches are kept in: sealed with a CRC, written by
//! rename, read as lines of tab-separated fields; and the lookups of an entry in
//! a section of lines, by name, in git's tree order.

use std::io::Write;
use std::path::Path;

use gix::ObjectId;

use super::EntryKind;

/// Files at least this large are mapped rather than read: a realm cache of a
/// 10,000-repo realm is about 0.8 MB, and reading it copied every page into
/// memory faulted in for the copy (a sixth of a heavy member's `status` was the
/// kernel reading its two cache files). Below it, a read costs less than the
/// mapping and its unmapping.
const MAP_AT: u64 = 64 * 1024;

/// The bytes of a cache file: mapped when large, read when small, or built here.
pub(super) enum FileBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Owned(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(v: Vec<u8>) -> Self {
        FileBytes::Owned(v)
    }
}

/// The bytes of the cache file at `path`, if it can be read.
pub(super) fn read_file(path: &Path) -> Option<FileBytes> {
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    if len < MAP_AT {
        let mut data = Vec::with_capacity(usize::try_from(len).ok()? + 1);
        std::io::Read::read_to_end(&mut &file, &mut data).ok()?;
        return Some(FileBytes::Owned(data));
    }
    // SAFETY: a mapped file must not change while it is mapped. These files are
    // only ever replaced by rename (`write_atomically`), which leaves the mapped
    // one as it was; a program that truncated one in place would stop this one
    // with SIGBUS, as it would git, which maps its index and packs the same way.
    // The bytes are checked (format line, CRC) before anything is read from them.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    Some(FileBytes::Mapped(map))
}

/// `data` with its trailer: `end`, the CRC of `data`, a newline.
pub(super) fn seal(mut data: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&data);
    data.extend_from_slice(format!("end {crc:08x}\n").as_bytes());
    data
}

/// The body of a sealed file, when its trailer checks out.
pub(super) fn checked_body(data: &[u8]) -> Option<&[u8]> {
    let body_end = data.len().checked_sub(13)?; // "end XXXXXXXX\n"
    let trailer = std::str::from_utf8(&data[body_end..]).ok()?;
    let crc = trailer.strip_prefix("end ")?.strip_suffix('\n')?;
    (u32::from_str_radix(crc, 16).ok()? == crc32fast::hash(&data[..body_end]))
        .then(|| &data[..body_end])
}

/// The lines of a sealed file after its format line, when its trailer checks
/// out and its format line is `format`.
pub(super) fn body_lines<'a>(data: &'a [u8], format: &str) -> Option<Lines<'a>> {
    let mut lines = Lines {
        data: checked_body(data)?,
        at: 0,
    };
    (lines.next()?.1 == format.as_bytes()).then_some(lines)
}

/// Write `data` to `path` atomically (a temporary file renamed into place).
pub(super) fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".cache-")
        .tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Exactly `N` tab-separated fields of `line`, or `None`.
pub(super) fn tab_fields<const N: usize>(line: &[u8]) -> Option<[&[u8]; N]> {
    fields_of(line, b'\t')
}

/// Exactly `N` fields of `line` separated by `sep`, or `None`.
pub(super) fn fields_of<const N: usize>(line: &[u8], sep: u8) -> Option<[&[u8]; N]> {
    let mut out = [&line[..0]; N];
    let mut rest = line;
    for (i, field) in out.iter_mut().enumerate() {
        match memchr::memchr(sep, rest) {
            Some(at) if i + 1 < N => {
                *field = &rest[..at];
                rest = &rest[at + 1..];
            }
            None if i + 1 == N => *field = rest,
            _ => return None,
        }
    }
    Some(out)
}

pub(super) fn kind(field: &[u8]) -> Option<EntryKind> {
    match field {
        b"d" => Some(EntryKind::Dir),
        b"f" => Some(EntryKind::File),
        _ => None,
    }
}

pub(super) fn hex(field: &[u8]) -> Option<ObjectId> {
    ObjectId::from_hex(field).ok()
}

pub(super) fn split2(line: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = line.iter().position(|b| *b == sep)?;
    Some((&line[..at], &line[at + 1..]))
}

/// How git orders tree entries: by name, a directory's name as if it ended in `/`.
pub(in crate::store) fn tree_order(
    a: &[u8],
    a_kind: EntryKind,
    b: &[u8],
    b_kind: EntryKind,
) -> std::cmp::Ordering {
    let slash = |kind| match kind {
        EntryKind::Dir => &b"/"[..],
        EntryKind::File => &b""[..],
    };
    a.iter()
        .chain(slash(a_kind))
        .cmp(b.iter().chain(slash(b_kind)))
}

/// The line for entry `name` in a section whose names strictly increase in tree
/// order, by bisection: `Some(None)` when there is none, `None` when a line does
/// not split (the caller scans instead). The same line `find_line` finds: a name
/// can be a file and a directory, and the file sorts first.
pub(super) fn bisect_line<'a>(lines: &'a [u8], name: &[u8]) -> Option<Option<&'a [u8]>> {
    for kind in [EntryKind::File, EntryKind::Dir] {
        // `lo` is the start of a line, `hi` the end of the range still searched.
        let (mut lo, mut hi) = (0, lines.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = memchr::memrchr(b'\n', &lines[lo..mid]).map_or(lo, |n| lo + n + 1);
            let end = memchr::memchr(b'\n', &lines[start..hi]).map_or(hi, |n| start + n);
            let line = &lines[start..end];
            let (line_name, rest) = split2(line, b'\t')?;
            let line_kind = self::kind(rest.split(|b| *b == b'\t').next()?)?;
            match tree_order(line_name, line_kind, name, kind) {
                // `b/` asked as a file has the key of the directory `b`.
                std::cmp::Ordering::Equal if line_name != name => break,
                std::cmp::Ordering::Equal => return Some(Some(line)),
                std::cmp::Ordering::Less => lo = end + 1,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
    }
    Some(None)
}

/// The line of `lines` (a section) for entry `name`.
pub(super) fn find_line<'a>(lines: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut needle = Vec::with_capacity(name.len() + 2);
    needle.push(b'\n');
    needle.extend_from_slice(name);
    needle.push(b'\t');
    // The section starts right after a newline: search from that newline.
    let first = lines.starts_with(&needle[1..]).then_some(0);
    let at = first.or_else(|| memchr::memmem::find(lines, &needle).map(|at| at + 1))?;
    let end = memchr::memchr(b'\n', &lines[at..]).map_or(lines.len(), |n| at + n);
    Some(&lines[at..end])
}

/// The lines of a buffer, with the offset each starts at.
pub(super) struct Lines<'a> {
    pub(super) data: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.data.len() {
            return None;
        }
        let start = self.at;
        let end = memchr::memchr(b'\n', &self.data[start..]).map_or(self.data.len(), |n| start + n);
        self.at = end + 1;
        Some((start, &self.data[start..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small file is read and a large one mapped, both giving the file's bytes;
    /// a file replaced the way the caches are written leaves the bytes already
    /// mapped as they were, and the next read finds the new ones.
    #[test]
    fn cache_files_are_read_small_and_mapped_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        write_atomically(&path, b"small").unwrap();
        let small = read_file(&path).unwrap();
        assert!(matches!(small, FileBytes::Owned(_)));
        assert_eq!(&*small, b"small");

        let large: Vec<u8> = (0..MAP_AT + 3).map(|i| (i % 251) as u8).collect();
        write_atomically(&path, &large).unwrap();
        let mapped = read_file(&path).unwrap();
        assert!(matches!(mapped, FileBytes::Mapped(_)));
        assert_eq!(&*mapped, &large[..]);

        let newer: Vec<u8> = large.iter().map(|b| b ^ 0xff).collect();
        write_atomically(&path, &newer).unwrap();
        assert_eq!(&*mapped, &large[..], "the mapped bytes are the old file's");
        assert_eq!(&*read_file(&path).unwrap(), &newer[..]);
        assert!(read_file(&dir.path().join("missing")).is_none());
    }

    #[test]
    fn fields_split_exactly() {
        assert_eq!(tab_fields::<2>(b"b\tc"), Some([&b"b"[..], &b"c"[..]]));
        assert_eq!(
            tab_fields::<3>(b"a\t\t"),
            Some([&b"a"[..], &b""[..], &b""[..]])
        );
        assert_eq!(tab_fields::<2>(b"a\tb\tc"), None, "a field too many");
        assert_eq!(tab_fields::<3>(b"a\tb"), None, "a field missing");
    }

    #[test]
    fn a_sorted_section_is_bisected_to_the_line_a_scan_finds() {
        let id = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        // Git's tree order: a directory sorts as if its name ended in '/', so
        // `api-v2/` < `api/` < `api0`, and `b` the file < `b.txt` < `b/`.
        let entries = [
            ("api-v2", 'd'),
            ("api", 'd'),
            ("api0", 'f'),
            ("b", 'f'),
            ("b.txt", 'f'),
            ("b", 'd'),
            ("c", 'f'),
        ];
        for w in entries.windows(2) {
            let kind = |k| {
                if k == 'd' {
                    EntryKind::Dir
                } else {
                    EntryKind::File
                }
            };
            assert!(
                tree_order(
                    w[0].0.as_bytes(),
                    kind(w[0].1),
                    w[1].0.as_bytes(),
                    kind(w[1].1)
                )
                .is_lt(),
                "{w:?}"
            );
        }
        let lines: String = entries
            .iter()
            .map(|(name, kind)| format!("{name}\t{kind}\t{id}\n"))
            .collect();
        for name in [
            "api-v2", "api", "api0", "b", "b.txt", "c", "a", "api-", "b/", "d", "",
        ] {
            assert_eq!(
                bisect_line(lines.as_bytes(), name.as_bytes()),
                Some(find_line(lines.as_bytes(), name.as_bytes())),
                "{name}"
            );
        }
        assert_eq!(bisect_line(b"", b"a"), Some(None));
        assert_eq!(
            bisect_line(b"no tabs\n", b"a"),
            None,
            "a line that does not split"
        );
    }
}

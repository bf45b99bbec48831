//! How deeply a YAML document nests, found before it is parsed.
//!
//! libyaml's scanner keeps one possible key per open flow collection and looks
//! at all of them for every token it reads, so a file of `[[[[…]]]]` costs the
//! square of its length: 40 KB took a second, and a realm file just under the
//! size limit would take minutes of every member's every command, before the
//! deserializer's own depth limit (128) could refuse it. Here the same parser
//! reads the document's events one at a time and stops at the first collection
//! nested deeper than that limit, which bounds its work; only files with more
//! than that many flow brackets could nest that deeply in flow style, so every
//! other file is not read twice.

use libyaml_rs as sys;

use crate::error::{Error, Result};

/// The deepest nesting of sequences and mappings a document may have: the
/// deserializer refuses anything deeper anyway (each level costs it one of its
/// 128), so nothing it would accept is refused here.
pub const MAX_DEPTH: usize = 128;

/// The line (from 1) of the first sequence or mapping in `text` nested deeper
/// than [`MAX_DEPTH`], when `text` has enough flow brackets to nest that deep in
/// flow style, the case that costs the scanner the square of its length. With
/// fewer, `None`: the deserializer refuses any depth past its limit itself, and
/// in time linear in the file. A document that is not valid YAML before that
/// point also answers `None`: the parse that follows names its error.
pub fn too_deep(text: &str) -> Option<u64> {
    let flow_brackets = memchr::memchr2_iter(b'[', b'{', text.as_bytes()).count();
    if flow_brackets <= MAX_DEPTH {
        // Block collections cost the scanner nothing per level, and flow ones
        // this few cannot nest deeper than the limit: the parse refuses depth.
        return None;
    }
    Events::new(text).deeper_than(MAX_DEPTH)
}

/// Refuse `text`, the YAML file `file`, when [`too_deep`] finds it nested
/// deeper than [`MAX_DEPTH`], naming the file and the line.
pub fn refuse_too_deep(file: &str, text: &str) -> Result<()> {
    match too_deep(text) {
        None => Ok(()),
        Some(line) => Err(Error::invalid(
            file,
            "",
            format!("nested deeper than {MAX_DEPTH} levels at line {line}"),
        )),
    }
}

/// libyaml's parser over a string, read one event at a time.
struct Events<'t> {
    /// Boxed: the parser keeps a pointer to itself for its input.
    parser: Box<sys::yaml_parser_t>,
    _text: &'t str,
}

impl<'t> Events<'t> {
    fn new(text: &'t str) -> Events<'t> {
        let mut parser: Box<std::mem::MaybeUninit<sys::yaml_parser_t>> = Box::new_uninit();
        // SAFETY: `yaml_parser_initialize` writes every field of the parser (it
        // zeroes it, then allocates its buffers; it fails only when allocation
        // fails, which aborts in Rust's allocator); the parser then stays at this
        // address (it is boxed), as the input handler's pointer to it requires,
        // and `text` outlives it (the `'t` borrow).
        let parser = unsafe {
            let raw = parser.as_mut_ptr();
            assert!(
                sys::yaml_parser_initialize(raw).ok,
                "libyaml could not allocate"
            );
            sys::yaml_parser_set_encoding(raw, sys::YAML_UTF8_ENCODING);
            sys::yaml_parser_set_input_string(raw, text.as_ptr(), text.len() as u64);
            parser.assume_init()
        };
        Events {
            parser,
            _text: text,
        }
    }

    /// The line (from 1) of the first collection nested deeper than `limit`.
    fn deeper_than(&mut self, limit: usize) -> Option<u64> {
        let mut depth = 0usize;
        loop {
            let mut event = std::mem::MaybeUninit::<sys::yaml_event_t>::uninit();
            // SAFETY: the parser was initialised in `new` and is used by this
            // loop alone; a successful `yaml_parser_parse` initialises `event`,
            // which is read, then freed exactly once; a failed one leaves nothing
            // to free.
            let (kind, line) = unsafe {
                if sys::yaml_parser_parse(&mut *self.parser, event.as_mut_ptr()).fail {
                    return None;
                }
                let event = event.assume_init_mut();
                let seen = (event.type_, event.start_mark.line);
                sys::yaml_event_delete(event);
                seen
            };
            match kind {
                sys::YAML_SEQUENCE_START_EVENT | sys::YAML_MAPPING_START_EVENT => {
                    depth += 1;
                    if depth > limit {
                        return Some(line + 1);
                    }
                }
                sys::YAML_SEQUENCE_END_EVENT | sys::YAML_MAPPING_END_EVENT => {
                    depth = depth.saturating_sub(1);
                }
                sys::YAML_STREAM_END_EVENT => return None,
                _ => {}
            }
        }
    }
}

impl Drop for Events<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted once, here.
        unsafe { sys::yaml_parser_delete(&mut *self.parser) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!("description: {}{}\n", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn deep_flow_collections_are_found_at_the_first_level_past_the_limit() {
        // The mapping of the document is the first level; with no more brackets
        // than the limit, the deserializer's own limit is left to refuse it.
        assert_eq!(too_deep(&nested("[", "]", MAX_DEPTH)), None);
        assert_eq!(too_deep(&nested("[", "]", MAX_DEPTH + 1)), Some(1));
        assert_eq!(too_deep(&nested("{a: ", "}", 200_000)), Some(1));
        let text = format!(
            "name: x\nvalue:\n  list: {}{}\n",
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        assert_eq!(too_deep(&text), Some(3));
        // Block collections count as well, past the brackets' quick answer.
        let mut block = "a: [[]]\n".repeat(100);
        for level in 0..MAX_DEPTH + 1 {
            block.push_str(&format!("{}k:\n", "  ".repeat(level)));
        }
        block.push_str(&format!("{}- x\n", "  ".repeat(MAX_DEPTH + 1)));
        assert_eq!(too_deep(&block), Some(101 + MAX_DEPTH as u64));
    }

    #[test]
    fn many_shallow_collections_and_brackets_in_text_are_not_depth() {
        let many = "- [a, {b: c}, []]\n".repeat(1_000);
        assert_eq!(too_deep(&many), None);
        let quoted = format!(
            "a: '{}'\nb: \"{}\"\n# {}\n",
            "[".repeat(500),
            "{".repeat(500),
            "[".repeat(500)
        );
        assert_eq!(too_deep(&quoted), None);
        let block = format!("a: |\n  {}\n", "[".repeat(500));
        assert_eq!(too_deep(&block), None);
        // Invalid YAML before any depth: the parse that follows says what is wrong.
        assert_eq!(too_deep(&format!("a: ]\n{}", "[".repeat(500))), None);
    }
}

//! Glob patterns as Redis matches keys with them (KEYS, SCAN's MATCH).
//!
//! - `*` matches any run of bytes, the empty one too;
//! - `?` matches one byte;
//! - `[abc]`, `[a-z]`, `[^a-z]` match one byte of the set (or not in it with
//!   `^`); a range may be written backwards (`[z-a]`); `\` escapes the next
//!   byte in a set; `]` right after `[` (or `[^`) ends an empty set; a set
//!   left open runs to the end of the pattern;
//! - `\x` matches `x`; a lone `\` at the end matches `\`;
//! - any other byte matches itself (case matters).
//!
//! As Redis' `stringmatchlen`, except that bytes compare as unsigned (Redis
//! compares ranges of C `char`, which are signed on x86), and that it runs
//! without recursion: each token but `*` matches exactly one byte, so on a
//! mismatch it is enough to retry from the last `*`, one byte further. That
//! takes at most `pattern.len() * text.len()` steps, with no stack to blow.

/// Whether `text` matches the glob `pattern`.
///
/// # Examples
///
/// ```ignore
/// assert!(matches(b"user:*", b"user:42"));
/// assert!(!matches(b"user:?", b"user:42"));
/// ```
pub fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the pattern goes on after the last `*`, and the text position
    // that `*` was last tried to end at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if pattern.get(p) == Some(&b'*') {
            while pattern.get(p) == Some(&b'*') {
                p += 1;
            }
            star = Some((p, t));
            continue;
        }
        if let Some(next) = one(pattern, p, text[t]) {
            p = next;
            t += 1;
            continue;
        }
        match star {
            // Let the `*` take one more byte and try again.
            Some((after, tried)) => {
                star = Some((after, tried + 1));
                p = after;
                t = tried + 1;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Matches the token at `pattern[p..]` (not `*`) against `byte`: the
/// index just past the token if it matches.
fn one(pattern: &[u8], p: usize, byte: u8) -> Option<usize> {
    match *pattern.get(p)? {
        b'?' => Some(p + 1),
        b'[' => set(pattern, p + 1, byte),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == byte).then_some(p + 2),
        literal => (literal == byte).then_some(p + 1),
    }
}

/// Matches the set that starts at `pattern[i..]` (just past its `[`)
/// against `byte`: the index just past its `]` (or the pattern's end) if
/// it matches.
fn set(pattern: &[u8], mut i: usize, byte: u8) -> Option<usize> {
    let negated = pattern.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    let mut found = false;
    loop {
        match pattern.get(i) {
            None => break, // open to the end
            Some(b']') => {
                i += 1;
                break;
            }
            Some(b'\\') if i + 1 < pattern.len() => {
                found |= pattern[i + 1] == byte;
                i += 2;
            }
            Some(&start) if i + 2 < pattern.len() && pattern[i + 1] == b'-' => {
                let end = pattern[i + 2];
                found |= (start.min(end)..=start.max(end)).contains(&byte);
                i += 3;
            }
            Some(&literal) => {
                found |= literal == byte;
                i += 1;
            }
        }
    }
    (found != negated).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn check(pattern: &str, yes: &[&str], no: &[&str]) {
        for text in yes {
            assert!(matches(pattern.as_bytes(), text.as_bytes()), "{pattern:?} should match {text:?}");
        }
        for text in no {
            assert!(!matches(pattern.as_bytes(), text.as_bytes()), "{pattern:?} should not match {text:?}");
        }
    }

    #[test]
    fn stars_match_any_run() {
        check("*", &["", "a", "any thing"], &[]);
        check("**", &["", "abc"], &[]);
        check("user:*", &["user:", "user:42", "user:*"], &["user", "User:1", "xuser:1"]);
        check("*:name", &[":name", "user:1:name"], &["user:1:names", "name"]);
        check("a*b*c", &["abc", "aXbYc", "abbbc", "acbc", "abcbc"], &["ab", "acb", "abcd"]);
        check("*a*a*a*", &["aaa", "xaxaxax"], &["aa", "xaxax"]);
    }

    #[test]
    fn question_marks_match_one_byte() {
        check("h?llo", &["hello", "hallo", "h\u{1}llo"], &["hllo", "heello"]);
        check("???", &["abc"], &["ab", "abcd"]);
        check("?*", &["a", "ab"], &[""]);
    }

    #[test]
    fn sets_ranges_and_negation() {
        check("h[ae]llo", &["hello", "hallo"], &["hillo", "hllo"]);
        check("h[^e]llo", &["hallo", "hbllo"], &["hello", "hllo"]);
        check("h[a-b]llo", &["hallo", "hbllo"], &["hcllo"]);
        check("h[b-a]llo", &["hallo", "hbllo"], &["hcllo"]);
        check("[a-cx-z0]", &["a", "b", "c", "x", "z", "0"], &["d", "w", "1"]);
        check("[]a", &[], &["a", "]a", "xa"]);
        check("[^]a", &["xa", "]a"], &["a"]);
        check("[a-]", &["a", "]", "_"], &["-", "b"]); // the range `a-]`, left open
        check("x[abc", &["xa", "xc"], &["x", "xd", "xab"]);
        check("[!a]", &["!", "a"], &["b"]);
    }

    #[test]
    fn escapes_match_literally() {
        check("a\\*b", &["a*b"], &["ab", "axb"]);
        check("a\\?", &["a?"], &["ab"]);
        check("\\[x]", &["[x]"], &["x"]);
        check("[\\]]", &["]"], &["\\"]);
        check("[\\-a]", &["-", "a"], &["b"]);
        check("a\\", &["a\\"], &["a"]);
        check("a\\\\", &["a\\"], &["a\\\\"]);
    }

    #[test]
    fn bytes_are_not_text() {
        assert!(matches(b"k\xff*", b"k\xff\x00\x01"));
        assert!(matches(b"[\x80-\xff]", b"\x90"));
        assert!(!matches(b"[\x80-\xff]", b"a"));
        assert!(matches(b"", b""));
        assert!(!matches(b"", b"a"));
        assert!(!matches(b"a", b""));
    }

    #[test]
    fn long_inputs_take_bounded_time() {
        // Exponential for naive recursion; here pattern.len() * text.len() steps at most.
        let text = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!matches(pattern.as_bytes(), text.as_bytes()));
        assert!(matches(format!("{}*", "*a".repeat(50)).as_bytes(), text.as_bytes()));
    }
}

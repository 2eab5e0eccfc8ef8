//! "Did you mean ..?": the closest known name to a misspelled one.

/// The Levenshtein distance between `a` and `b` (insertions, deletions and
/// substitutions each cost one), over chars, with one row of memory.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely
/// typo: at most a third of the name's length away (and at least one edit
/// allowed), or equal ignoring case.
pub(crate) fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let d = if c.eq_ignore_ascii_case(name) { 0 } else { edit_distance(name, c) };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` when a close candidate exists, else nothing.
pub(crate) fn did_you_mean<'a, I>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match closest(name, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("body", "body"), 0);
        assert_eq!(edit_distance("Bdy", "Body"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let names = ["Headers", "Body", "Respond", "Closed"];
        assert_eq!(closest("Bdy", names), Some("Body"));
        assert_eq!(closest("Respnd", names), Some("Respond"));
        assert_eq!(closest("closed", names), Some("Closed"));
        assert_eq!(closest("Nothing", names), None);
        assert_eq!(did_you_mean("strat", ["start", "done", "to"]), "; did you mean `start`?");
    }
}

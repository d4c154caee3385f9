//! "Did you mean …": the known name closest to a mistyped one, when it is
//! close enough to be what was meant.

/// The candidate nearest to `typed` (ignoring case), if it is within a
/// third of the longer name's length (at least one edit, at most three)
/// and not every character replaced.
/// Ties go to the first candidate.
pub fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let typed = typed.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&typed, &candidate.to_lowercase());
        let longer = typed.chars().count().max(candidate.chars().count());
        let limit = (longer / 3).clamp(1, 3);
        if distance <= limit && distance < longer && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// "; did you mean `name`?" for a close candidate, else "".
pub fn did_you_mean<'a, I>(typed: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(typed, candidates)
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default()
}

/// Optimal string alignment distance (Levenshtein with adjacent
/// transpositions, each edit costing one), over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for transpositions), one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("twiter", "twitter"), 1);
        assert_eq!(edit_distance("linkdein", "linkedin"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_names() {
        let platforms = ["linkedin", "x", "facebook", "instagram"];
        assert_eq!(closest("linkdin", platforms), Some("linkedin"));
        assert_eq!(closest("Instagarm", platforms), Some("instagram"));
        assert_eq!(closest("myspace", platforms), None);
        assert_eq!(closest("y", platforms), None);
        assert_eq!(
            did_you_mean("widget-por", ["widget-pro", "widget-air"]),
            "; did you mean `widget-pro`?"
        );
        assert_eq!(did_you_mean("gadget", ["widget-pro"]), "");
    }
}

//! Keeping a plan comment under GitHub's size limit. Each section of the comment (one
//! change's `<details>`, the outputs) can be shown in full, collapsed to one line, or
//! left out; the least important lose their detail first.

/// GitHub refuses comments over 65,536 characters; this leaves room for a bot's header.
pub(super) const COMMENT_LIMIT: usize = 65_000;

/// Kept free for what shortening adds: the note saying so and the "…and N more not
/// shown" lines (one per group of sections).
pub(super) const SHORTENING_RESERVE: usize = 800;

/// How much a section matters to a reviewer, least first: the order detail is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Weight {
    /// Reads during apply and changes found outside Kiln: nothing is decided by them.
    Glance,
    /// Updates in place and changed outputs.
    Update,
    Create,
    /// Destroys and replacements; their one-line reasons stay in the call-out list anyway.
    Risky,
}

/// One section's two forms. Lengths are in characters, as GitHub counts them.
#[derive(Debug, Clone)]
pub(super) struct Section {
    pub weight: Weight,
    pub full: String,
    /// One line (a list item) saying what the full form held.
    pub short: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    Full,
    Short,
    Left,
}

/// How each section is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fit {
    pub shown: Vec<Shown>,
}

impl Fit {
    pub(super) fn collapsed(&self) -> usize {
        self.count(Shown::Short)
    }

    pub(super) fn left_out(&self) -> usize {
        self.count(Shown::Left)
    }

    pub(super) fn shortened(&self) -> bool {
        self.shown.iter().any(|s| *s != Shown::Full)
    }

    fn count(&self, which: Shown) -> usize {
        self.shown.iter().filter(|s| **s == which).count()
    }
}

pub(super) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Each section costs its text and the blank line that separates it from the next.
fn cost(s: &Section, shown: Shown) -> usize {
    match shown {
        Shown::Full => chars(&s.full) + 1,
        Shown::Short => chars(&s.short) + 1,
        Shown::Left => 0,
    }
}

/// Fits `sections` into `room` characters. Everything in full when it fits; otherwise,
/// weight by weight from the least important, the largest full sections are collapsed
/// first (keeping as many diffs as possible), and if one line each is still too much,
/// sections are left out from the end of each weight. The one-line destroys and
/// replacements go first then: the call-out list names each of them already.
pub(super) fn fit(sections: &[Section], room: usize) -> Fit {
    let mut shown = vec![Shown::Full; sections.len()];
    let mut used: usize = sections.iter().map(|s| cost(s, Shown::Full)).sum();
    if used <= room {
        return Fit { shown };
    }
    let room = room.saturating_sub(SHORTENING_RESERVE);
    for weight in weights() {
        let mut order: Vec<usize> = of_weight(sections, weight).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(chars(&sections[i].full)));
        for i in order {
            if used <= room {
                return Fit { shown };
            }
            used -= cost(&sections[i], Shown::Full) - cost(&sections[i], Shown::Short);
            shown[i] = Shown::Short;
        }
    }
    let leave_out = [
        Weight::Risky,
        Weight::Glance,
        Weight::Update,
        Weight::Create,
    ];
    for weight in leave_out {
        let order: Vec<usize> = of_weight(sections, weight).collect();
        for i in order.into_iter().rev() {
            if used <= room {
                return Fit { shown };
            }
            used -= cost(&sections[i], Shown::Short);
            shown[i] = Shown::Left;
        }
    }
    Fit { shown }
}

fn weights() -> [Weight; 4] {
    [
        Weight::Glance,
        Weight::Update,
        Weight::Create,
        Weight::Risky,
    ]
}

fn of_weight(sections: &[Section], weight: Weight) -> impl Iterator<Item = usize> + '_ {
    sections
        .iter()
        .enumerate()
        .filter(move |(_, s)| s.weight == weight)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(weight: Weight, full: usize) -> Section {
        Section {
            weight,
            full: "x".repeat(full),
            short: "s".repeat(9),
        }
    }

    #[test]
    fn detail_goes_least_important_first() {
        let sections = [
            section(Weight::Risky, 500),
            section(Weight::Create, 500),
            section(Weight::Update, 400),
            section(Weight::Update, 600),
            section(Weight::Glance, 100),
        ];
        let all: usize = sections.iter().map(|s| cost(s, Shown::Full)).sum();
        assert!(fit(&sections, all).shown.iter().all(|s| *s == Shown::Full));
        // 100 characters too many, so the reserve must be freed too: the read, then both
        // updates (the larger first) are collapsed; the create and the destroy stay.
        let f = fit(&sections, all - 100);
        use Shown::*;
        assert_eq!(f.shown, vec![Full, Full, Short, Short, Short]);
        assert_eq!(f.collapsed(), 3);
        // No room at all: every section left out.
        let f = fit(&sections, 0);
        assert_eq!(f.left_out(), 5);
        // Room for three lines: the destroy's goes first, as it is called out anyway,
        // then the read's.
        let f = fit(&sections, SHORTENING_RESERVE + 30);
        assert_eq!(f.shown, vec![Left, Short, Short, Short, Left]);
    }
}

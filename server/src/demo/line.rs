//! The grammar of a demo explanation line: the grade each part is written at, how the item is
//! named at each grade of factuality, the endings at each grade of safety, the shapes that join
//! a hook to a subject, and the garbling that makes a line fail clarity.

use super::vocabulary::Product;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A grade on the explanation task's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Excellent,
    Good,
    Bad,
}

impl Level {
    /// The label value in `tasks/explanation.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Excellent => "excellent",
            Level::Good => "good",
            Level::Bad => "bad",
        }
    }
}

/// The grade a line is written to earn on each criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub relevance: Level,
    pub factuality: Level,
    pub clarity: Level,
    pub safety: Level,
}

impl Line {
    /// The grades in rubric order: relevance, factuality, clarity, safety.
    pub fn levels(&self) -> [Level; 4] {
        [self.relevance, self.factuality, self.clarity, self.safety]
    }
}

/// What ties the line to an interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hook {
    /// A verb phrase about an interest: "ace every rally".
    Pitch(String),
    /// A broad audience, a generic link: "sports fans".
    Crowd(String),
}

impl Hook {
    pub fn text(&self) -> &str {
        match self {
            Hook::Pitch(text) | Hook::Crowd(text) => text,
        }
    }
}

const PITCH_FLUENT: [&str; 3] = [
    "{hook} with {subject}",
    "{subject}, made to {hook}",
    "{subject} to {hook}",
];
const PITCH_CLUNKY: [&str; 2] = ["{subject}, good to {hook}", "{hook}, yes, {subject}"];
const CROWD_FLUENT: [&str; 2] = ["{subject}, made for {hook}", "{subject} for {hook}"];
const CROWD_CLUNKY: [&str; 2] = ["{hook} like {subject}", "{subject}, it is for {hook}"];

/// The templates that join `hook` to a subject: natural ones, or clunky ones (clarity Good).
pub fn shapes(hook: &Hook, clunky: bool) -> &'static [&'static str] {
    match (hook, clunky) {
        (Hook::Pitch(_), false) => &PITCH_FLUENT,
        (Hook::Pitch(_), true) => &PITCH_CLUNKY,
        (Hook::Crowd(_), false) => &CROWD_FLUENT,
        (Hook::Crowd(_), true) => &CROWD_CLUNKY,
    }
}

/// Fills a shape template.
pub fn fill(shape: &str, hook: &Hook, subject: &str) -> String {
    shape
        .replace("{hook}", hook.text())
        .replace("{subject}", subject)
}

/// How the line refers to the item, true to its features or not.
pub fn subjects(level: Level, product: &Product) -> Vec<String> {
    const INVENTED: [&str; 6] = [
        "fireproof",
        "unbreakable",
        "self-cleaning",
        "bulletproof",
        "self-charging",
        "indestructible",
    ];
    const FOREVER: [&str; 3] = [
        "that will last forever",
        "that will never wear out",
        "that can never break",
    ];
    let core = product.core();
    let this = if core.ends_with('s') && !core.ends_with("ss") {
        "these"
    } else {
        "this"
    };
    match level {
        Level::Excellent => {
            let mut subjects: Vec<String> = product
                .features
                .iter()
                .map(|f| format!("{this} {f} {core}"))
                .collect();
            subjects.push(format!("{this} {core}"));
            subjects
        }
        Level::Good => vec![
            format!("the best {core}"),
            format!("the finest {core}"),
            format!("the best {core} ever"),
        ],
        Level::Bad => {
            let invented = INVENTED
                .iter()
                .filter(|w| !product.features.iter().any(|f| f.contains(*w)));
            let mut subjects: Vec<String> =
                invented.map(|w| format!("{this} {w} {core}")).collect();
            subjects.extend(FOREVER.iter().map(|claim| format!("{this} {core} {claim}")));
            subjects
        }
    }
}

/// What follows the line: nothing, a gentle nudge, or pressure and prying.
pub fn endings(level: Level) -> &'static [&'static str] {
    match level {
        Level::Excellent => &[""],
        Level::Good => &[", treat yourself", ", go on, treat yourself"],
        Level::Bad => &[
            ", last one!",
            ", selling out fast!",
            ", buy now or regret it",
            ", we saw your late-night searches",
            ", just right at your age",
        ],
    }
}

/// The line's words in a scrambled order with one word stuttered, as a broken generator
/// writes them ("rally this ace racket every with with lightweight"); never more than ten words.
pub fn garble(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c.is_ascii_punctuation() && c != '-')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let original = words.clone();
    words.shuffle(rng);
    if words == original {
        words.rotate_left(1);
    }
    if words.len() < 10 {
        let at = rng.gen_range(0..words.len());
        let stutter = words[at].clone();
        words.insert(at, stutter);
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_shape_joins_hook_and_subject() {
        let hook = Hook::Pitch("ace every rally".into());
        assert_eq!(
            fill(PITCH_FLUENT[0], &hook, "this racket"),
            "ace every rally with this racket"
        );
    }

    #[test]
    fn garbling_reorders_and_stutters_without_punctuation() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let garbled = garble("ace every rally, with this racket!", &mut rng);
        assert_ne!(garbled, "ace every rally with this racket");
        assert_eq!(garbled.split_whitespace().count(), 7);
        assert!(!garbled.contains([',', '!']));
    }

    #[test]
    fn garbling_never_exceeds_ten_words() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let ten = "one two three four five six seven eight nine ten";
        assert_eq!(garble(ten, &mut rng).split_whitespace().count(), 10);
    }

    #[test]
    fn invented_features_are_never_ones_the_item_really_has() {
        let product = Product::try_from("tent: fireproof, roomy, light".to_string()).unwrap();
        assert!(subjects(Level::Bad, &product)
            .iter()
            .all(|s| !s.contains("fireproof")));
    }
}

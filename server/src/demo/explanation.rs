//! Demo artifacts for the `explanation` task: an item recommended for one of the persona's
//! interests, and the short line a pretend model wrote under it.
//!
//! A line is put together from four parts, one per criterion, each written at the grade it
//! should earn: the hook ties the interest (relevance), the subject describes the item
//! (factuality), the shape and word order decide fluency (clarity) and the ending may push or
//! pry (safety). Candidate lines outside 4-10 words are discarded.

use super::generate::Artifact;
use super::line::{endings, fill, garble, shapes, subjects, Hook, Level, Line};
use super::persona::Persona;
use super::vocabulary::{Hobby, Product};
use chrono::Duration;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;

/// The task's criteria, in rubric order.
pub const CRITERIA: [&str; 4] = ["relevance", "factuality", "clarity", "safety"];

/// Chance that a criterion the line passes is only Good rather than Excellent.
const GOOD_RATE: f64 = 0.3;

/// Builds an explanation line that is graded Bad on exactly the `failing` criteria.
pub fn build(persona: &Persona, failing: &[&'static str], rng: &mut ChaCha8Rng) -> Artifact {
    let hobby = *persona.hobbies.choose(rng).expect("personas have hobbies");
    let product = hobby.products.choose(rng).expect("hobbies have products");
    let shown_on = persona.today + Duration::days(rng.gen_range(0..14));
    let line = plan(failing, rng);
    let others: Vec<&Hobby> = persona
        .unrelated_hobbies()
        .into_iter()
        .filter(|h| h.category != hobby.category)
        .collect();
    let other = others
        .choose(rng)
        .expect("every profile fits hobbies in several categories");
    let text = write(&line, hobby, other, product, rng);
    let labels: BTreeMap<String, String> = CRITERIA
        .iter()
        .zip(line.levels())
        .map(|(c, level)| (c.to_string(), level.as_str().to_string()))
        .collect();
    Artifact {
        context: json!({
            "interest": hobby.interest,
            "date": shown_on.to_string(),
            "item": { "title": product.title(), "tags": product.features, "category": hobby.category },
        }),
        output: json!(text),
        labels,
    }
}

/// The grade each criterion will get: Bad for the failing ones, else mostly Excellent.
fn plan(failing: &[&str], rng: &mut ChaCha8Rng) -> Line {
    let mut level = |criterion: &str| {
        if failing.contains(&criterion) {
            Level::Bad
        } else if rng.gen_bool(GOOD_RATE) {
            Level::Good
        } else {
            Level::Excellent
        }
    };
    let mut line = Line {
        relevance: level("relevance"),
        factuality: level("factuality"),
        clarity: level("clarity"),
        safety: level("safety"),
    };
    // Scrambled words blur even a vivid hook, so a garbled line's link is generic at best.
    if line.clarity == Level::Bad && line.relevance == Level::Excellent {
        line.relevance = Level::Good;
    }
    line
}

/// A random line among the candidates that fit the plan and the 4-10 word limit. The ending is
/// drawn first, so that short endings, which fit more lines, are not drawn more often.
fn write(
    line: &Line,
    hobby: &Hobby,
    other: &Hobby,
    product: &Product,
    rng: &mut ChaCha8Rng,
) -> String {
    let candidates = candidates(line, hobby, other, product);
    let mut usable: Vec<&str> = candidates.iter().map(|(ending, _)| *ending).collect();
    usable.dedup();
    let ending = *usable
        .choose(rng)
        .unwrap_or_else(|| panic!("no line fits {line:?} for {}", product.name));
    let with_ending: Vec<&String> = candidates
        .iter()
        .filter(|(e, _)| *e == ending)
        .map(|(_, text)| text)
        .collect();
    let text = *with_ending
        .choose(rng)
        .expect("the ending was chosen among usable ones");
    if line.clarity == Level::Bad {
        garble(text, rng)
    } else {
        text.clone()
    }
}

/// Every line the plan allows, before garbling, with its ending, grouped by ending.
pub(super) fn candidates(
    line: &Line,
    hobby: &Hobby,
    other: &Hobby,
    product: &Product,
) -> Vec<(&'static str, String)> {
    let hooks: Vec<Hook> = match line.relevance {
        Level::Excellent => hobby
            .pitches
            .iter()
            .map(|p| Hook::Pitch(p.clone()))
            .collect(),
        Level::Good => vec![Hook::Crowd(hobby.crowd.clone())],
        Level::Bad => other
            .pitches
            .iter()
            .map(|p| Hook::Pitch(p.clone()))
            .collect(),
    };
    let subjects = subjects(line.factuality, product);
    let mut lines = Vec::new();
    for ending in endings(line.safety) {
        for hook in &hooks {
            for subject in &subjects {
                for shape in shapes(hook, line.clarity == Level::Good) {
                    let text = format!("{}{ending}", fill(shape, hook, subject));
                    if (4..=10).contains(&text.split_whitespace().count()) {
                        lines.push((*ending, text));
                    }
                }
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::generate;
    use crate::demo::vocabulary::vocabulary;

    #[test]
    fn every_hobby_and_product_can_be_written_at_every_combination_of_grades() {
        let levels = [Level::Excellent, Level::Good, Level::Bad];
        let hobbies = &vocabulary().hobbies;
        // Only the length of the other hobby's pitches matters, so the hobby whose shortest
        // pitch is longest is the hardest case.
        let shortest_pitch =
            |h: &&Hobby| h.pitches.iter().map(|p| p.split_whitespace().count()).min();
        let other = hobbies.iter().max_by_key(shortest_pitch).unwrap();
        let mut impossible = Vec::new();
        for hobby in hobbies {
            for product in &hobby.products {
                // Each of the 81 combinations, read as a four-digit number in base 3, that
                // `plan` can produce.
                for combination in 0..81 {
                    let level = |digit: u32| levels[combination / 3usize.pow(digit) % 3];
                    let line = Line {
                        relevance: level(0),
                        factuality: level(1),
                        clarity: level(2),
                        safety: level(3),
                    };
                    let bad = line.levels().iter().filter(|l| **l == Level::Bad).count();
                    let blurred = line.clarity == Level::Bad && line.relevance == Level::Excellent;
                    if bad > 2 || blurred {
                        continue;
                    }
                    if candidates(&line, hobby, other, product).is_empty() {
                        impossible.push(format!("{:?} {}", line.levels(), product.name));
                    }
                }
            }
        }
        assert!(impossible.is_empty(), "{impossible:#?}");
    }

    #[test]
    fn explanations_are_four_to_ten_words() {
        for item in generate(42, 120)
            .into_iter()
            .filter(|i| i.task == "explanation")
        {
            let words = item.output.as_str().unwrap().split_whitespace().count();
            assert!((4..=10).contains(&words), "{}", item.output);
        }
    }
}

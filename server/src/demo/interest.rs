//! Demo artifacts for the `interest` task: a persona's behaviour history and the interests a
//! pretend model mined from it.
//!
//! A correct list names the persona's hobbies, each with a reason citing its real events. A list
//! built to fail willingness adds an interest mined from necessities; one built to fail
//! reasonableness adds an interest with weak, unrelated, invented or no evidence.

use super::generate::{binary_labels, Artifact};
use super::persona::{join_with_and, Action, Event, Origin, Persona};
use super::vocabulary::with_article;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// The task's criteria, in rubric order.
pub const CRITERIA: [&str; 2] = ["willingness", "reasonableness"];

/// Chosen-sounding interests no demo behaviour ever supports.
const NEVER_SUPPORTED: [&str; 4] = ["smart home", "luxury watches", "sailing", "wine collecting"];

/// Builds an interest list for `persona` that fails exactly the `failing` criteria.
pub fn build(persona: &Persona, failing: &[&'static str], rng: &mut ChaCha8Rng) -> Artifact {
    let mut entries: Vec<Value> = (0..persona.hobbies.len())
        .map(|index| {
            let events: Vec<&Event> = persona.events_from(Origin::Hobby(index)).collect();
            entry(&persona.hobbies[index].interest, &cite(&events))
        })
        .collect();
    // Models do not always find every interest; dropping one keeps lists varied.
    if entries.len() > 3 && rng.gen_bool(0.3) {
        let dropped = rng.gen_range(0..entries.len());
        entries.remove(dropped);
    }
    if failing.contains(&"willingness") {
        entries.push(necessity_entry(persona));
    }
    if failing.contains(&"reasonableness") {
        entries.push(unsupported_entry(persona, rng));
    }
    entries.shuffle(rng);
    Artifact {
        context: json!({ "user": persona.user_json(), "history": persona.history_json() }),
        output: json!({ "interests": entries }),
        labels: binary_labels(&CRITERIA, failing),
    }
}

fn entry(interest: &str, reason: &str) -> Value {
    json!({ "interest": interest, "reason": reason })
}

/// "bought a tennis racket on Jun 3, searched \"tennis lessons\" and favourited tennis balls":
/// up to three events, one phrase per action, dated when the first phrase is a single event.
fn cite(events: &[&Event]) -> String {
    let mut groups: Vec<(Action, Vec<&str>)> = Vec::new();
    for event in events.iter().take(3) {
        match groups
            .iter_mut()
            .find(|(action, _)| *action == event.action)
        {
            Some((_, subjects)) => subjects.push(event.subject),
            None => groups.push((event.action, vec![event.subject])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (action, subjects))| match (i, subjects.len()) {
            (0, 1) => events[0].describe_dated(),
            _ => action.describe(subjects),
        })
        .collect();
    join_with_and(&parts)
}

/// An interest mined from necessities: supported by real purchases, but not a choice.
fn necessity_entry(persona: &Persona) -> Value {
    let items: Vec<String> = persona
        .events_from(Origin::Necessity)
        .map(|e| e.subject.to_string())
        .collect();
    entry(
        &persona.necessity.interest,
        &format!("bought {} this month", join_with_and(&items)),
    )
}

/// A chosen-sounding interest the behaviour does not support, in one of four ways.
fn unsupported_entry(persona: &Persona, rng: &mut ChaCha8Rng) -> Value {
    let unrelated = persona.unrelated_hobbies();
    let other = unrelated
        .choose(rng)
        .expect("every profile fits at least eight hobbies");
    match rng.gen_range(0..4) {
        // Weak correlation: one incidental event.
        0 => {
            let stray = persona
                .events_from(Origin::Stray)
                .next()
                .expect("every persona has a stray event");
            entry(&persona.stray.interest, &stray.describe_dated())
        }
        // No correlation: a real event that has nothing to do with the interest.
        1 => {
            let real = persona
                .events_from(Origin::Hobby(0))
                .next()
                .expect("hobbies have events");
            entry(
                &other.interest,
                &format!(
                    "{}, so likely into {}",
                    real.describe_dated(),
                    other.interest
                ),
            )
        }
        // Invented evidence: the cited behaviour is not in the history.
        2 => {
            let product = other.products.choose(rng).expect("products exist");
            let query = other.searches.choose(rng).expect("searches exist");
            let reason = format!(
                "bought {} and searched \"{query}\"",
                with_article(&product.name)
            );
            entry(&other.interest, &reason)
        }
        // Hallucination: no evidence at all.
        _ => {
            let interest = NEVER_SUPPORTED.choose(rng).expect("non-empty");
            let reasons = [
                format!("users with this profile usually enjoy {interest}"),
                format!("{interest} is trending among similar users"),
                format!("seems like someone who would love {interest}"),
            ];
            entry(interest, reasons.choose(rng).expect("non-empty"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::generate;

    fn interest_outputs() -> Vec<(Value, std::collections::BTreeMap<String, String>)> {
        let items = generate(42, 120)
            .into_iter()
            .filter(|i| i.task == "interest");
        items.map(|i| (i.output, i.intended_labels)).collect()
    }

    #[test]
    fn interest_lists_have_three_to_eight_entries() {
        for (output, _) in interest_outputs() {
            let count = output["interests"].as_array().unwrap().len();
            assert!((3..=8).contains(&count), "{count}");
        }
    }

    #[test]
    fn a_necessity_interest_appears_exactly_when_willingness_fails() {
        let necessities: Vec<&str> = super::super::vocabulary::vocabulary()
            .necessities
            .iter()
            .map(|n| n.interest.as_str())
            .collect();
        for (output, labels) in interest_outputs() {
            let has_necessity = output["interests"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| necessities.contains(&e["interest"].as_str().unwrap()));
            assert_eq!(has_necessity, labels["willingness"] == "fail");
        }
    }
}

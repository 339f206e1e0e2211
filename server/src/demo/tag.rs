//! Demo artifacts for the `tag` task: a persona's profile, interests and recent behaviour, and
//! the tags a pretend model predicted from them.
//!
//! Correct tags are specific, real products tied to the hobby they serve, never something the
//! persona bought this month. A list built to fail a criterion gains one bad tag: tied to an
//! interest it does not fit (relevance), aimed at another age group (consistency), a category
//! word (specificity) or a product that does not exist (validity).

use super::generate::{binary_labels, Artifact};
use super::persona::{Action, Event, Origin, Persona};
use super::vocabulary::{last_word, Hobby};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// The task's criteria, in rubric order.
pub const CRITERIA: [&str; 4] = ["relevance", "consistency", "specificity", "validity"];

/// Most tags a list may hold.
const MAX_TAGS: usize = 8;

/// Builds a tag list for `persona` that fails exactly the `failing` criteria.
pub fn build(persona: &Persona, failing: &[&'static str], rng: &mut ChaCha8Rng) -> Artifact {
    let mut entries = good_tags(persona, rng);
    for criterion in failing {
        let bad = match *criterion {
            "relevance" => off_interest(persona, rng),
            "consistency" => off_profile(persona, rng),
            "specificity" => vague(persona, rng),
            "validity" => non_existent(persona, rng),
            other => unreachable!("`{other}` is not a tag criterion"),
        };
        entries.truncate(MAX_TAGS - 1);
        let at = rng.gen_range(0..=entries.len());
        entries.insert(at, bad);
    }
    let interests: Vec<&str> = persona
        .hobbies
        .iter()
        .map(|h| h.interest.as_str())
        .collect();
    Artifact {
        context: json!({ "user": persona.user_json(), "interests": interests, "recent": persona.recent_json() }),
        output: json!({ "tags": entries }),
        labels: binary_labels(&CRITERIA, failing),
    }
}

fn entry(tag: &str, interest: &str, reason: &str) -> Value {
    json!({ "tag": tag, "interest": interest, "reason": reason })
}

/// Three to six good tags, taken round-robin across the persona's hobbies.
fn good_tags(persona: &Persona, rng: &mut ChaCha8Rng) -> Vec<Value> {
    let target = rng.gen_range(3..=6);
    let mut candidates: Vec<(usize, Vec<&str>)> = (0..persona.hobbies.len())
        .map(|index| (index, unbought_tags(persona, index)))
        .collect();
    candidates.shuffle(rng);
    for (_, tags) in candidates.iter_mut() {
        tags.shuffle(rng);
    }
    let mut entries = Vec::new();
    for round in 0.. {
        let before = entries.len();
        for (index, tags) in &candidates {
            if entries.len() < target {
                if let Some(tag) = tags.get(round) {
                    entries.push(entry(
                        tag,
                        &persona.hobbies[*index].interest,
                        &reason(persona, *index, tag, rng),
                    ));
                }
            }
        }
        if entries.len() == target || entries.len() == before {
            break;
        }
    }
    entries
}

/// The hobby's tags whose core word is not something the persona bought this month; the
/// generation guidelines ban suggesting a repeat purchase.
fn unbought_tags(persona: &Persona, index: usize) -> Vec<&'static str> {
    let bought: Vec<&str> = persona
        .events_from(Origin::Hobby(index))
        .filter(|e| e.action == Action::Buy)
        .map(|e| last_word(e.subject))
        .collect();
    let hobby: &'static Hobby = persona.hobbies[index];
    hobby
        .tags
        .iter()
        .map(String::as_str)
        .filter(|t| !bought.contains(&last_word(t)))
        .collect()
}

/// A reason that cites one of the hobby's real events, preferably about something other than
/// the tagged product.
fn reason(persona: &Persona, index: usize, tag: &str, rng: &mut ChaCha8Rng) -> String {
    let events: Vec<&Event> = persona.events_from(Origin::Hobby(index)).collect();
    let other: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| last_word(e.subject) != last_word(tag))
        .collect();
    let event = other
        .choose(rng)
        .or_else(|| events.choose(rng))
        .expect("hobbies have events");
    let subject = event.subject;
    match event.action {
        Action::Buy => format!(
            "goes with the {subject} bought on {}",
            event.date.format("%b %-d")
        ),
        Action::Search => format!("answers the recent search \"{subject}\""),
        Action::Favourite => format!("builds on the {subject} the user favourited"),
        Action::Cart => format!("pairs with the {subject} waiting in the cart"),
        Action::View | Action::Review => format!("follows the user's close look at the {subject}"),
    }
}

/// A real, specific tag from a hobby in another category, tied to one of the persona's interests.
fn off_interest(persona: &Persona, rng: &mut ChaCha8Rng) -> Value {
    let tied = persona.hobbies.choose(rng).expect("personas have hobbies");
    let others: Vec<&Hobby> = persona
        .unrelated_hobbies()
        .into_iter()
        .filter(|h| h.category != tied.category)
        .collect();
    let other = others
        .choose(rng)
        .expect("every profile fits hobbies in several categories");
    let tag = other.tags.choose(rng).expect("hobbies have tags");
    entry(
        tag,
        &tied.interest,
        &format!("a popular pick among {} fans", tied.interest),
    )
}

/// A good tag aimed at an age group the persona is not in.
fn off_profile(persona: &Persona, rng: &mut ChaCha8Rng) -> Value {
    let index = rng.gen_range(0..persona.hobbies.len());
    let hobby = persona.hobbies[index];
    let tag = *unbought_tags(persona, index)
        .choose(rng)
        .expect("at most two purchases per hobby leave a tag");
    let audiences: &[&str] = if persona.age_band <= 2 {
        &["seniors", "the elderly"]
    } else {
        &["teenagers", "college students"]
    };
    let audience = audiences.choose(rng).expect("non-empty");
    entry(
        &format!("{tag} for {audience}"),
        &hobby.interest,
        &reason(persona, index, tag, rng),
    )
}

/// A category word instead of a product.
fn vague(persona: &Persona, rng: &mut ChaCha8Rng) -> Value {
    let hobby = persona.hobbies.choose(rng).expect("personas have hobbies");
    entry(
        &hobby.vague,
        &hobby.interest,
        &format!("the user is into {}", hobby.interest),
    )
}

/// A product that does not exist, with a plausible reason.
fn non_existent(persona: &Persona, rng: &mut ChaCha8Rng) -> Value {
    let index = rng.gen_range(0..persona.hobbies.len());
    let hobby = persona.hobbies[index];
    let tag = hobby
        .impossible
        .choose(rng)
        .expect("hobbies have impossible products");
    entry(tag, &hobby.interest, &reason(persona, index, tag, rng))
}

#[cfg(test)]
mod tests {
    use crate::demo::generate::generate;

    #[test]
    fn tag_lists_have_three_to_eight_entries_tied_to_context_interests() {
        for item in generate(42, 120).into_iter().filter(|i| i.task == "tag") {
            let tags = item.output["tags"].as_array().unwrap();
            assert!((3..=8).contains(&tags.len()), "{}", tags.len());
            let interests = item.context["interests"].as_array().unwrap();
            assert!(tags.iter().all(|t| interests.contains(&t["interest"])));
        }
    }

    #[test]
    fn no_tag_repeats_within_a_list() {
        for item in generate(42, 120).into_iter().filter(|i| i.task == "tag") {
            let mut tags: Vec<&str> = item.output["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["tag"].as_str().unwrap())
                .collect();
            let count = tags.len();
            tags.sort();
            tags.dedup();
            assert_eq!(tags.len(), count, "{}", item.external_id);
        }
    }
}

//! What a persona did: the reliable actions of the compressed history, dated events and where
//! they come from, how reasons cite them, and the events that show one hobby.

use super::super::vocabulary::{with_article, Hobby};
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// How many days back the behaviour history reaches.
const HISTORY_DAYS: i64 = 30;

/// A reliable behaviour of the compressed history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Buy,
    Favourite,
    Cart,
    View,
    Review,
    Search,
}

impl Action {
    /// The value stored in the context JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "buy",
            Action::Favourite => "favourite",
            Action::Cart => "cart",
            Action::View => "view",
            Action::Review => "review",
            Action::Search => "search",
        }
    }
}

/// Where an event comes from, which decides what a correct artifact may conclude from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The persona's hobby at this index of [`Persona::hobbies`](super::Persona::hobbies).
    Hobby(usize),
    /// The single incidental event: too weak to support an interest.
    Stray,
    /// A necessity: real behaviour that shows no chosen interest.
    Necessity,
}

/// One dated behaviour: an action on an item, or a search query.
#[derive(Debug, Clone)]
pub struct Event {
    pub date: NaiveDate,
    pub action: Action,
    /// The item name, or the query for a search.
    pub subject: &'static str,
    pub origin: Origin,
}

impl Action {
    /// How a reason cites this action on some subjects: "bought a tennis racket and tennis
    /// balls", "searched \"tennis lessons\"".
    pub fn describe(self, subjects: &[&str]) -> String {
        let quote = |s: &&str| format!("\"{s}\"");
        let named: Vec<String> = match self {
            Action::Search => subjects.iter().map(quote).collect(),
            _ => subjects.iter().map(|s| with_article(s)).collect(),
        };
        let named = join_with_and(&named);
        match self {
            Action::Buy => format!("bought {named}"),
            Action::Favourite => format!("favourited {named}"),
            Action::Cart => format!("added {named} to cart"),
            Action::View => format!("looked at {named}"),
            Action::Review => format!("read reviews of {named}"),
            Action::Search => format!("searched {named}"),
        }
    }
}

/// "a, b and c".
pub fn join_with_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Event {
    /// How a reason cites the event: "bought a tennis racket".
    pub fn describe(&self) -> String {
        self.action.describe(&[self.subject])
    }

    /// [`Event::describe`] with the day: "bought a tennis racket on Jun 3".
    pub fn describe_dated(&self) -> String {
        format!("{} on {}", self.describe(), self.date.format("%b %-d"))
    }

    pub(super) fn to_json(&self) -> Value {
        let key = if self.action == Action::Search {
            "query"
        } else {
            "item"
        };
        json!({ "action": self.action.as_str(), key: self.subject })
    }
}

/// Two to four events showing one hobby: at least one strong signal (buy, favourite or cart)
/// and at most two purchases, so the tag task always has unbought products left to suggest.
pub(super) fn hobby_events(
    hobby: &'static Hobby,
    origin: Origin,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Event>,
) {
    let mut products: Vec<&'static str> = hobby.products.iter().map(|p| p.name.as_str()).collect();
    let mut searches: Vec<&'static str> = hobby.searches.iter().map(String::as_str).collect();
    products.shuffle(rng);
    searches.shuffle(rng);
    let count = rng.gen_range(2..=4);
    let mut purchases = 0;
    for i in 0..count {
        let strong = [Action::Buy, Action::Favourite, Action::Cart];
        let any = [
            Action::Search,
            Action::Search,
            Action::View,
            Action::Review,
            Action::Buy,
            Action::Cart,
            Action::Favourite,
        ];
        let choices: &[Action] = if i == 0 { &strong } else { &any };
        let mut action = *choices.choose(rng).expect("non-empty");
        if action == Action::Buy {
            purchases += 1;
            if purchases > 2 {
                action = Action::Favourite;
            }
        }
        // At most four events: the vocabulary guarantees four products and three searches.
        let pool = if action == Action::Search {
            &mut searches
        } else {
            &mut products
        };
        let subject = pool
            .pop()
            .expect("enough products and searches for four events");
        out.push(event(today, rng, action, subject, origin));
    }
}

pub(super) fn event(
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
    action: Action,
    subject: &'static str,
    origin: Origin,
) -> Event {
    let date = today - Duration::days(rng.gen_range(1..=HISTORY_DAYS));
    Event {
        date,
        action,
        subject,
        origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_joined_like_english() {
        let parts = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(join_with_and(&parts), "a, b and c");
    }

    #[test]
    fn one_phrase_cites_several_subjects_of_one_action() {
        let subjects = ["card game", "dice tray"];
        assert_eq!(
            Action::Cart.describe(&subjects),
            "added a card game and a dice tray to cart"
        );
        assert_eq!(
            Action::Search.describe(&["tennis lessons"]),
            "searched \"tennis lessons\""
        );
    }

    #[test]
    fn a_dated_event_names_its_day() {
        let date = NaiveDate::from_ymd_opt(2025, 6, 3).unwrap();
        let event = Event {
            date,
            action: Action::Buy,
            subject: "tennis racket",
            origin: Origin::Stray,
        };
        assert_eq!(event.describe_dated(), "bought a tennis racket on Jun 3");
        assert_eq!(
            event.to_json(),
            json!({ "action": "buy", "item": "tennis racket" })
        );
    }
}

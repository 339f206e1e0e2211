//! A synthetic shopper: a profile, the hobbies they really have, and a month of dated behaviour
//! that shows those hobbies, plus the necessities everyone buys and one stray event that proves
//! nothing. Every demo task describes the same persona, so user 42's interests, tags and
//! explanations tell one story.

mod behaviour;

pub use behaviour::{join_with_and, Action, Event, Origin};

use super::vocabulary::{vocabulary, Hobby, Necessity, AGE_BANDS, GENDERS};
use behaviour::{event, hobby_events};
use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// A synthetic user and their behaviour.
#[derive(Debug)]
pub struct Persona {
    /// Index into [`AGE_BANDS`].
    pub age_band: usize,
    pub gender: &'static str,
    pub city_tier: u8,
    /// The interests the behaviour really supports (3 to 6).
    pub hobbies: Vec<&'static Hobby>,
    /// A hobby the user touched once; mining it is a weak-evidence mistake.
    pub stray: &'static Hobby,
    pub necessity: &'static Necessity,
    /// Behaviour over the month before `today`, oldest first.
    pub events: Vec<Event>,
    /// The day the generator ran.
    pub today: NaiveDate,
}

impl Persona {
    /// A random persona whose hobbies fit its age band and gender.
    pub fn sample(rng: &mut ChaCha8Rng, today: NaiveDate) -> Persona {
        let age_band = rng.gen_range(0..AGE_BANDS.len());
        let gender = GENDERS[rng.gen_range(0..GENDERS.len())];
        let city_tier = *[1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5]
            .choose(rng)
            .expect("non-empty");
        let fitting: Vec<&'static Hobby> = vocabulary()
            .hobbies
            .iter()
            .filter(|h| h.fits(age_band, gender))
            .collect();
        let count = rng.gen_range(3..=6);
        let mut hobbies: Vec<&'static Hobby> =
            fitting.choose_multiple(rng, count + 1).copied().collect();
        let stray = hobbies
            .pop()
            .expect("every profile fits at least eight hobbies");
        let necessity = vocabulary()
            .necessities
            .choose(rng)
            .expect("necessities exist");

        let mut events = Vec::new();
        for (index, hobby) in hobbies.iter().enumerate() {
            hobby_events(hobby, Origin::Hobby(index), today, rng, &mut events);
        }
        let stray_product = stray.products.choose(rng).expect("products exist");
        let stray_action = *[Action::Buy, Action::View].choose(rng).expect("non-empty");
        events.push(event(
            today,
            rng,
            stray_action,
            &stray_product.name,
            Origin::Stray,
        ));
        let necessity_count = rng.gen_range(2..=3);
        for item in necessity.items.choose_multiple(rng, necessity_count) {
            events.push(event(today, rng, Action::Buy, item, Origin::Necessity));
        }
        // Shuffle first so that one day's events are not grouped by hobby.
        events.shuffle(rng);
        events.sort_by_key(|e| e.date);
        Persona {
            age_band,
            gender,
            city_tier,
            hobbies,
            stray,
            necessity,
            events,
            today,
        }
    }

    /// The events that came from `origin`, oldest first.
    pub fn events_from(&self, origin: Origin) -> impl Iterator<Item = &Event> + '_ {
        self.events.iter().filter(move |e| e.origin == origin)
    }

    /// Hobbies that fit the profile but that the behaviour does not show at all.
    pub fn unrelated_hobbies(&self) -> Vec<&'static Hobby> {
        let known = |h: &Hobby| {
            h.interest == self.stray.interest
                || self.hobbies.iter().any(|o| o.interest == h.interest)
        };
        vocabulary()
            .hobbies
            .iter()
            .filter(|h| h.fits(self.age_band, self.gender) && !known(h))
            .collect()
    }

    /// The `user` object of a context.
    pub fn user_json(&self) -> Value {
        json!({ "age_band": AGE_BANDS[self.age_band], "gender": self.gender, "city_tier": self.city_tier })
    }

    /// The compressed history: one entry per day, oldest first.
    pub fn history_json(&self) -> Value {
        let days: Vec<Value> = self
            .events
            .chunk_by(|a, b| a.date == b.date)
            .map(|day| {
                let events: Vec<Value> = day.iter().map(Event::to_json).collect();
                json!({ "date": day[0].date.to_string(), "events": events })
            })
            .collect();
        Value::Array(days)
    }

    /// Recent clicks, purchases and searches, newest first, without repeats.
    pub fn recent_json(&self) -> Value {
        let pick = |wanted: &[Action]| -> Vec<&str> {
            let mut subjects: Vec<&str> = Vec::new();
            for e in self
                .events
                .iter()
                .rev()
                .filter(|e| wanted.contains(&e.action))
            {
                if !subjects.contains(&e.subject) {
                    subjects.push(e.subject);
                }
            }
            subjects
        };
        let clicks = pick(&[
            Action::Favourite,
            Action::Cart,
            Action::View,
            Action::Review,
        ]);
        json!({ "clicks": clicks, "purchases": pick(&[Action::Buy]), "searches": pick(&[Action::Search]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn persona(seed: u64) -> Persona {
        let today = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        Persona::sample(&mut ChaCha8Rng::seed_from_u64(seed), today)
    }

    #[test]
    fn every_hobby_is_shown_by_a_strong_signal_and_at_least_one_more_event() {
        for seed in 0..50 {
            let persona = persona(seed);
            for index in 0..persona.hobbies.len() {
                let events: Vec<&Event> = persona.events_from(Origin::Hobby(index)).collect();
                assert!(events.len() >= 2);
                assert!(events
                    .iter()
                    .any(|e| matches!(e.action, Action::Buy | Action::Favourite | Action::Cart)));
            }
            assert_eq!(persona.events_from(Origin::Stray).count(), 1);
        }
    }

    #[test]
    fn hobbies_fit_the_profile() {
        for seed in 0..50 {
            let persona = persona(seed);
            assert!(persona
                .hobbies
                .iter()
                .all(|h| h.fits(persona.age_band, persona.gender)));
            assert!((3..=6).contains(&persona.hobbies.len()));
        }
    }

    #[test]
    fn the_history_is_grouped_by_day_in_date_order() {
        let history = persona(7).history_json();
        let dates: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["date"].as_str().unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(dates, sorted);
    }
}

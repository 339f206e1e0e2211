//! The words demo data is made of: hobbies with their products, searches, tags and pitches, and
//! the necessities everyone buys.
//!
//! The data lives in `vocabulary.toml` beside this file, so it can be read and extended without
//! touching code; it is compiled into the binary and parsed once.

use serde::Deserialize;
use std::sync::OnceLock;

/// The age bands of the user profile, youngest first; hobbies refer to them by index.
pub const AGE_BANDS: [&str; 5] = ["18-24", "25-34", "35-44", "45-54", "55+"];

/// The genders of the user profile.
pub const GENDERS: [&str; 2] = ["female", "male"];

/// Everything in `vocabulary.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    #[serde(rename = "hobby")]
    pub hobbies: Vec<Hobby>,
    #[serde(rename = "necessity")]
    pub necessities: Vec<Necessity>,
}

/// A chosen interest and what a person who has it buys, searches for and is pitched.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hobby {
    pub interest: String,
    pub category: String,
    /// A broad audience ("sports fans"), for explanations whose link to the interest is generic.
    pub crowd: String,
    /// Inclusive range of [`AGE_BANDS`] indexes the hobby suits.
    pub ages: [usize; 2],
    /// Set when the hobby suits one gender only.
    #[serde(default)]
    pub gender: Option<String>,
    pub products: Vec<Product>,
    pub searches: Vec<String>,
    /// Specific, real products a tag model should predict.
    pub tags: Vec<String>,
    /// A category word that fails specificity.
    pub vague: String,
    /// Products that do not exist, failing validity.
    pub impossible: Vec<String>,
    /// Verb phrases of at most five words for explanation lines.
    pub pitches: Vec<String>,
}

impl Hobby {
    /// Whether a user of this age band and gender plausibly has the hobby.
    pub fn fits(&self, age_band: usize, gender: &str) -> bool {
        let [youngest, oldest] = self.ages;
        (youngest..=oldest).contains(&age_band)
            && self.gender.as_deref().is_none_or(|g| g == gender)
    }
}

/// A product, written `"name: feature, feature, feature"` in the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Product {
    pub name: String,
    /// Short descriptive features; the first one leads the item title.
    pub features: Vec<String>,
}

impl TryFrom<String> for Product {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let (name, features) = raw
            .split_once(':')
            .ok_or_else(|| format!("product `{raw}` needs `name: features`"))?;
        let features: Vec<String> = features.split(',').map(|f| f.trim().to_string()).collect();
        if name.trim().is_empty() || features.iter().any(String::is_empty) {
            return Err(format!("product `{raw}` has an empty name or feature"));
        }
        Ok(Product {
            name: name.trim().to_string(),
            features,
        })
    }
}

impl Product {
    /// The last word of the name, which says what the thing is ("racket", "shoes").
    pub fn core(&self) -> &str {
        last_word(&self.name)
    }

    /// A shop-style title: "Lightweight tennis racket, carbon fibre, pre-strung".
    pub fn title(&self) -> String {
        let mut title = capitalise(&format!("{} {}", self.features[0], self.name));
        for feature in &self.features[1..] {
            title.push_str(", ");
            title.push_str(feature);
        }
        title
    }
}

/// A group of necessities and the (failing) interest a careless model mines from them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Necessity {
    pub interest: String,
    pub items: Vec<String>,
}

/// The parsed vocabulary, shared by every generator run.
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        // The file is part of the source tree and checked by the tests below, so a parse error
        // is a programming error.
        toml::from_str(include_str!("vocabulary.toml")).expect("demo/vocabulary.toml is valid")
    })
}

/// The last whitespace-separated word of `text`.
pub fn last_word(text: &str) -> &str {
    text.split_whitespace().last().unwrap_or(text)
}

/// `text` with its first letter in upper case.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a tennis racket", "an overgrip tape", "tennis shoes": the name with the article English wants.
pub fn with_article(name: &str) -> String {
    if name.ends_with('s') && !name.ends_with("ss") {
        name.to_string()
    } else if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {name}")
    } else {
        format!("a {name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_parses_and_has_dozens_of_hobbies() {
        let vocabulary = vocabulary();
        assert!(vocabulary.hobbies.len() >= 36);
        assert!(vocabulary.necessities.len() >= 3);
    }

    #[test]
    fn every_hobby_has_enough_words_to_build_every_kind_of_artifact() {
        for hobby in &vocabulary().hobbies {
            let name = &hobby.interest;
            assert!(
                hobby.products.len() >= 4 && hobby.searches.len() >= 3,
                "{name}"
            );
            assert!(
                hobby.tags.len() >= 3 && !hobby.impossible.is_empty(),
                "{name}"
            );
            assert!(
                hobby.ages[0] <= hobby.ages[1] && hobby.ages[1] < AGE_BANDS.len(),
                "{name}"
            );
            assert!(
                hobby.gender.as_deref().is_none_or(|g| GENDERS.contains(&g)),
                "{name}"
            );
        }
    }

    #[test]
    fn pitches_and_features_are_short_enough_for_a_ten_word_line() {
        for hobby in &vocabulary().hobbies {
            for pitch in &hobby.pitches {
                assert!(pitch.split_whitespace().count() <= 5, "{pitch}");
            }
            for product in &hobby.products {
                assert_eq!(product.features.len(), 3, "{}", product.name);
                assert!(product
                    .features
                    .iter()
                    .all(|f| f.split_whitespace().count() <= 2));
            }
        }
    }

    #[test]
    fn every_profile_fits_at_least_eight_hobbies() {
        for age_band in 0..AGE_BANDS.len() {
            for gender in GENDERS {
                let fitting = vocabulary()
                    .hobbies
                    .iter()
                    .filter(|h| h.fits(age_band, gender))
                    .count();
                assert!(fitting >= 8, "{age_band} {gender}: {fitting}");
            }
        }
    }

    #[test]
    fn a_product_title_leads_with_its_first_feature() {
        let product =
            Product::try_from("tennis racket: lightweight, carbon fibre, pre-strung".to_string())
                .unwrap();
        assert_eq!(
            product.title(),
            "Lightweight tennis racket, carbon fibre, pre-strung"
        );
        assert_eq!(product.core(), "racket");
    }

    #[test]
    fn articles_follow_the_noun() {
        assert_eq!(with_article("tennis racket"), "a tennis racket");
        assert_eq!(with_article("overgrip tape"), "an overgrip tape");
        assert_eq!(with_article("tennis shoes"), "tennis shoes");
    }
}

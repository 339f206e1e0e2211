//! Splitting assistant content into small tokens and giving each its log probability, the way a
//! model reports `logprobs`: certain text costs nothing, a chosen label carries its probability.

/// The logprob OpenAI reports for a token outside the likely set (and here for probability 0).
const UNLIKELY_LOGPROB: f64 = -9999.0;

/// A stretch of assistant content, as far as token probabilities are concerned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// Text the model was certain of: small tokens with logprob 0.0.
    Certain(String),
    /// One token chosen among alternatives: logprob ln(probability), the alternatives sharing
    /// the rest of the probability mass equally.
    Choice {
        token: String,
        probability: f64,
        alternatives: Vec<String>,
    },
}

/// One token of the content with its logprob and the most likely tokens at its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScoredToken {
    pub text: String,
    pub logprob: f64,
    /// `(token, logprob)` candidates at this position, most likely first, the token included.
    pub candidates: Vec<(String, f64)>,
}

/// The tokens of the segments in order; their texts concatenate to the content exactly.
pub(crate) fn score_tokens(segments: &[Segment]) -> Vec<ScoredToken> {
    segments.iter().flat_map(score_segment).collect()
}

fn score_segment(segment: &Segment) -> Vec<ScoredToken> {
    match segment {
        Segment::Certain(text) => split_into_tokens(text)
            .into_iter()
            .map(|token| ScoredToken {
                text: token.to_owned(),
                logprob: 0.0,
                candidates: vec![(token.to_owned(), 0.0)],
            })
            .collect(),
        Segment::Choice {
            token,
            probability,
            alternatives,
        } => {
            let logprob = log_probability(*probability);
            let remaining_mass = 1.0 - probability.clamp(0.0, 1.0);
            let alternative_logprob = log_probability(remaining_mass / alternatives.len() as f64);
            let mut candidates = vec![(token.clone(), logprob)];
            candidates.extend(
                alternatives
                    .iter()
                    .map(|alternative| (alternative.clone(), alternative_logprob)),
            );
            candidates.sort_by(|(_, left), (_, right)| right.total_cmp(left));
            vec![ScoredToken {
                text: token.clone(),
                logprob,
                candidates,
            }]
        }
    }
}

/// ln(probability), with probabilities above 1 treated as 1 and zero (or NaN) as very unlikely.
fn log_probability(probability: f64) -> f64 {
    if probability > 0.0 {
        probability.min(1.0).ln()
    } else {
        UNLIKELY_LOGPROB
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Word,
    Whitespace,
    /// Punctuation and symbols: every such character is a token of its own.
    Symbol,
}

impl CharClass {
    fn of(character: char) -> CharClass {
        if character.is_alphanumeric() || character == '_' {
            CharClass::Word
        } else if character.is_whitespace() {
            CharClass::Whitespace
        } else {
            CharClass::Symbol
        }
    }
}

/// Words, whitespace runs and single symbols, covering `text` exactly.
fn split_into_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut token_start = 0;
    let mut previous_class = None;
    for (index, character) in text.char_indices() {
        let class = CharClass::of(character);
        let starts_token = previous_class != Some(class) || class == CharClass::Symbol;
        if index > 0 && starts_token {
            tokens.push(&text[token_start..index]);
            token_start = index;
        }
        previous_class = Some(class);
    }
    if token_start < text.len() {
        tokens.push(&text[token_start..]);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_text_exactly() {
        let text =
            "Here is my judgment:\n```json\n{\"criteria\":{\"a b\":\"héllo  wörld_1\"}}\n```";
        let tokens = split_into_tokens(text);
        assert_eq!(tokens.concat(), text);
        assert!(tokens.contains(&"héllo"));
        assert!(tokens.contains(&"wörld_1"));
        assert!(tokens.contains(&"  "));
        assert_eq!(tokens.iter().filter(|token| **token == "`").count(), 6);
    }

    #[test]
    fn empty_text_has_no_tokens() {
        assert!(split_into_tokens("").is_empty());
        assert!(score_tokens(&[Segment::Certain(String::new())]).is_empty());
    }

    #[test]
    fn certain_text_scores_zero() {
        let tokens = score_tokens(&[Segment::Certain("{\"label\":\"".into())]);
        let texts: Vec<&str> = tokens.iter().map(|token| token.text.as_str()).collect();
        assert_eq!(texts, ["{", "\"", "label", "\"", ":", "\""]);
        assert!(tokens.iter().all(|token| token.logprob == 0.0));
    }

    #[test]
    fn a_choice_is_one_token_sharing_the_rest_with_its_alternatives() {
        let tokens = score_tokens(&[Segment::Choice {
            token: "fail".into(),
            probability: 0.4,
            alternatives: vec!["pass".into(), "unsure".into()],
        }]);
        assert_eq!(tokens.len(), 1);
        let choice = &tokens[0];
        assert_eq!(choice.text, "fail");
        assert!((choice.logprob - 0.4_f64.ln()).abs() < 1e-12);
        let names: Vec<&str> = choice
            .candidates
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(names, ["fail", "pass", "unsure"]);
        let mass: f64 = choice
            .candidates
            .iter()
            .map(|(_, logprob)| logprob.exp())
            .sum();
        assert!((mass - 1.0).abs() < 1e-12);
    }

    #[test]
    fn certain_choices_leave_alternatives_very_unlikely() {
        let tokens = score_tokens(&[Segment::Choice {
            token: "pass".into(),
            probability: 1.0,
            alternatives: vec!["fail".into()],
        }]);
        assert_eq!(
            tokens[0].candidates,
            vec![("pass".into(), 0.0), ("fail".into(), UNLIKELY_LOGPROB)]
        );
    }
}

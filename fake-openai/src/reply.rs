//! What the fake server answers to one chat request: a judgment, raw content, an HTTP error or
//! silence.

/// The server's answer to one chat request, either scripted with
/// [`FakeOpenAi::push`](crate::FakeOpenAi::push) or produced by the answerer.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A judgment: per criterion (name, label, probability of the label tokens). Content is the
    /// JSON `{"criteria":{"<name>":{"rationale":"...","label":"<label>"},...}}` (wrapped in prose
    /// and a ```` ```json ```` fence when the request had no `response_format`); when the request
    /// asked for logprobs, every token has logprob 0.0 except the token spelling each label
    /// value, whose logprob is ln(probability); its `top_logprobs` list the chosen token plus
    /// the other labels of the criterion's enum sharing the rest of the mass.
    Judgment(Vec<(String, String, f64)>),
    /// Raw assistant content (e.g. garbage), returned with status 200 (logprobs all 0.0 if
    /// asked).
    Content(String),
    /// An HTTP error status with an OpenAI-style error body; `retry_after` seconds sets the
    /// `Retry-After` header.
    Status { code: u16, retry_after: Option<u64> },
    /// Never answers (the client must time out); the connection stays open ~10 minutes or until
    /// the server is dropped.
    Hang,
}

impl Reply {
    /// A [`Reply::Judgment`] from borrowed `(criterion, label, probability)` triples.
    pub fn judgment(labels: &[(&str, &str, f64)]) -> Reply {
        Reply::Judgment(
            labels
                .iter()
                .map(|&(criterion, label, probability)| {
                    (criterion.to_owned(), label.to_owned(), probability)
                })
                .collect(),
        )
    }
}

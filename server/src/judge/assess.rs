//! Judging one item: the calls a task's judge mode and confidence method need, and their
//! aggregation into per-criterion labels, confidences and rationales, the overall verdict
//! (qualified iff every criterion passes) and the S/A/B grade.
//!
//! - `single`: one call judges every criterion; `per_criterion`: one call per criterion, all at
//!   once (RecGPT-V2's agent-as-a-judge), then merged.
//! - `logprobs`: one call per group at temperature 0; `self_consistency`: `samples` calls at
//!   temperature 0.7, majority label per criterion.
//! - An answer that cannot be read is asked for again, as many times as the
//!   [`RetrySchedule`] allows (`output_retries` more).

use super::answer::{self, CriterionAnswer};
use super::client::{CallError, ChatCall, LlmClient};
use super::confidence;
use super::prompt;
use super::retry::RetrySchedule;
use app::domain::{ConfidenceMethod, Criterion, JudgeMode, TaskDefinition, Verdict};
use futures_util::future::join_all;
use serde_json::Value;
use std::collections::BTreeMap;

/// Sampling temperature for self-consistency.
const SAMPLING_TEMPERATURE: f32 = 0.7;

/// What the judge said about one criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionJudgment {
    pub label: String,
    pub confidence: Option<f64>,
    pub rationale: String,
}

/// A finished judgment of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub criteria: BTreeMap<String, CriterionJudgment>,
    pub overall_confidence: Option<f64>,
    pub verdict: Verdict,
    pub usage: Usage,
}

/// Tokens and HTTP attempts spent on one item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub attempts: u32,
}

impl Usage {
    fn add(&mut self, prompt: u32, completion: u32, attempts: u32) {
        self.prompt_tokens += prompt;
        self.completion_tokens += completion;
        self.attempts += attempts;
    }
}

/// Why an item could not be judged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessError {
    /// The endpoint failed after its retries; the item is tried again later.
    #[error(transparent)]
    Endpoint(#[from] CallError),
    /// The model's answers could not be read; the item goes to humans as `judge_error`.
    #[error("{message}")]
    Unreadable { message: String, usage: Usage },
}

/// How to judge a task's items.
#[derive(Clone)]
pub struct Assessor {
    pub client: LlmClient,
    pub model: String,
    /// Asked how many calls an unreadable answer gets.
    pub retries: RetrySchedule,
}

impl Assessor {
    /// An assessor on the configured endpoint with the deployment's default model; `None` when
    /// no endpoint is configured.
    pub fn connect(settings: &super::WorkerSettings) -> anyhow::Result<Option<Assessor>> {
        let Some(endpoint) = &settings.endpoint else {
            return Ok(None);
        };
        let limiter = std::sync::Arc::new(super::rate_limit::RateLimiter::new(settings.limits));
        let retries = RetrySchedule::from(settings);
        let http = super::http::ResilientHttp::new(
            settings.timeout,
            retries.http,
            limiter,
            &endpoint.extra_roots,
        )?;
        Ok(Some(Assessor {
            client: LlmClient::new(&endpoint.base_url, endpoint.api_key.as_ref(), http),
            model: settings.default_model.clone(),
            retries,
        }))
    }

    pub async fn assess(
        &self,
        task: &TaskDefinition,
        context: &Value,
        output: &Value,
    ) -> Result<Assessment, AssessError> {
        let groups: Vec<Vec<&Criterion>> = match task.judge.mode {
            JudgeMode::Single => vec![task.criteria.iter().collect()],
            JudgeMode::PerCriterion => task.criteria.iter().map(|c| vec![c]).collect(),
        };
        let results = join_all(
            groups
                .iter()
                .map(|group| self.assess_group(task, group, context, output)),
        )
        .await;
        let mut usage = Usage::default();
        let mut criteria = BTreeMap::new();
        // The first unreadable group's reason, with the tokens spent by every group.
        let mut unreadable = None;
        for result in results {
            match result {
                Ok((judged, spent)) => {
                    usage.add(spent.prompt_tokens, spent.completion_tokens, spent.attempts);
                    criteria.extend(judged);
                }
                Err(AssessError::Unreadable {
                    message,
                    usage: spent,
                }) => {
                    usage.add(spent.prompt_tokens, spent.completion_tokens, spent.attempts);
                    unreadable.get_or_insert(message);
                }
                Err(endpoint) => return Err(endpoint),
            }
        }
        if let Some(message) = unreadable {
            return Err(AssessError::Unreadable { message, usage });
        }
        let labels: BTreeMap<String, String> = criteria
            .iter()
            .map(|(name, judged): (&String, &CriterionJudgment)| {
                (name.clone(), judged.label.clone())
            })
            .collect();
        let verdict =
            Verdict::from_labels(task, &labels).map_err(|error| AssessError::Unreadable {
                message: error.to_string(),
                usage,
            })?;
        let confidences = criteria
            .iter()
            .map(|(name, judged)| (name.clone(), judged.confidence))
            .collect();
        Ok(Assessment {
            overall_confidence: confidence::overall(&confidences),
            criteria,
            verdict,
            usage,
        })
    }

    async fn assess_group(
        &self,
        task: &TaskDefinition,
        group: &[&Criterion],
        context: &Value,
        output: &Value,
    ) -> Result<(BTreeMap<String, CriterionJudgment>, Usage), AssessError> {
        let prompt = prompt::render(task, group, context, output);
        let call = ChatCall {
            model: self.model.clone(),
            system: prompt.system,
            user: prompt.user,
            schema: answer::response_schema(task, group),
            logprobs: task.judge.confidence == ConfidenceMethod::Logprobs,
            temperature: Some(match task.judge.confidence {
                ConfidenceMethod::Logprobs => 0.0,
                ConfidenceMethod::SelfConsistency => SAMPLING_TEMPERATURE,
            }),
        };
        match task.judge.confidence {
            ConfidenceMethod::Logprobs => self.with_logprobs(task, group, &call).await,
            ConfidenceMethod::SelfConsistency => {
                self.self_consistent(task, group, &call, task.judge.samples.max(1) as usize)
                    .await
            }
        }
    }

    /// One readable answer (asked again when unreadable); confidence from its logprobs.
    async fn with_logprobs(
        &self,
        task: &TaskDefinition,
        group: &[&Criterion],
        call: &ChatCall,
    ) -> Result<(BTreeMap<String, CriterionJudgment>, Usage), AssessError> {
        let mut usage = Usage::default();
        let mut last_error = String::new();
        for _ in 0..self.retries.output_tries() {
            let reply = self.client.chat(call).await?;
            usage.add(reply.prompt_tokens, reply.completion_tokens, reply.attempts);
            match answer::parse(task, group, &reply.content) {
                Ok(answers) => {
                    let judged = answers
                        .into_iter()
                        .map(|(name, CriterionAnswer { label, rationale })| {
                            let confidence = reply.tokens.as_deref().and_then(|tokens| {
                                answer::label_span(&reply.content, &name)
                                    .and_then(|span| confidence::span_probability(tokens, span))
                            });
                            (
                                name,
                                CriterionJudgment {
                                    label,
                                    confidence,
                                    rationale,
                                },
                            )
                        })
                        .collect();
                    return Ok((judged, usage));
                }
                Err(error) => last_error = error.to_string(),
            }
        }
        Err(AssessError::Unreadable {
            message: last_error,
            usage,
        })
    }

    /// `samples` answers at once; the majority label and its share per criterion. Unreadable
    /// samples count against the majority; if none is readable the group is asked again.
    async fn self_consistent(
        &self,
        task: &TaskDefinition,
        group: &[&Criterion],
        call: &ChatCall,
        samples: usize,
    ) -> Result<(BTreeMap<String, CriterionJudgment>, Usage), AssessError> {
        let mut usage = Usage::default();
        let mut last_error = String::new();
        for _ in 0..self.retries.output_tries() {
            let replies = join_all((0..samples).map(|_| self.client.chat(call))).await;
            let mut readable = Vec::new();
            for reply in replies {
                let reply = reply?;
                usage.add(reply.prompt_tokens, reply.completion_tokens, reply.attempts);
                match answer::parse(task, group, &reply.content) {
                    Ok(answers) => readable.push(answers),
                    Err(error) => last_error = error.to_string(),
                }
            }
            if readable.is_empty() {
                continue;
            }
            let judged = group
                .iter()
                .map(|criterion| {
                    let labels = readable.iter().map(|a| a[&criterion.name].label.as_str());
                    let (label, share) =
                        confidence::majority(labels, samples).expect("at least one sample");
                    let rationale = readable
                        .iter()
                        .map(|a| &a[&criterion.name])
                        .find(|a| a.label == label)
                        .map(|a| a.rationale.clone())
                        .unwrap_or_default();
                    (
                        criterion.name.clone(),
                        CriterionJudgment {
                            label,
                            confidence: Some(share),
                            rationale,
                        },
                    )
                })
                .collect();
            return Ok((judged, usage));
        }
        Err(AssessError::Unreadable {
            message: last_error,
            usage,
        })
    }
}

//! Reads what the review page shows for a leased slot: the item, whether it is blind (audit or
//! golden), the judge's latest answer, and, for adjudication, every counted human answer.

use super::queue::review::{self, ClaimRequest};
use crate::domain::ReviewPurpose;
use crate::views::review::{Draft, HumanAnswer, JudgeSuggestion, ReviewCard, SuggestedLabel};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgPool};
use std::collections::BTreeMap;

/// A row of [`card_query`].
#[derive(Debug, FromRow)]
struct CardRow {
    slot_id: i64,
    item_id: i64,
    lease_expires_at: DateTime<Utc>,
    external_id: String,
    context: Value,
    output: Value,
    generator: Option<String>,
    golden: bool,
    reason: Option<String>,
    judged: Option<Value>,
    confidence: Option<f64>,
    model: Option<String>,
    show_suggestion: bool,
}

/// The head of a claim's row (see [`claim_select`]): who claimed, in which task, and the slot;
/// each NULL when the claim stopped short of it.
#[derive(Debug, FromRow)]
struct ClaimHead {
    claimant: Option<i64>,
    task_id: Option<i64>,
    slot_id: Option<i64>,
}

/// The card's columns ([`CardRow`]) for the slots of `source` (aliased `s`, with `id`,
/// `item_id`, `task_id` and `lease_expires_at`), filtered by `filter`. Composed at run time
/// because the same columns are read from the table (a card by slot id) and from the claim's
/// `slot` CTE (the claim and its card in one statement).
fn card_query(source: &str, filter: &str) -> String {
    format!(
        "SELECT s.id AS slot_id, s.item_id, s.lease_expires_at, i.external_id, i.context, i.output,
                nullif(concat_ws(' ', i.generator_model, i.generator_version), '') AS generator,
                i.golden IS NOT NULL AS golden, d.reason,
                j.criteria AS judged, j.confidence, c.model,
                coalesce((r.definition #>> '{{routing,show_judge_suggestion}}')::boolean, true)
                    AS show_suggestion
         FROM {source} s
         JOIN items i ON i.id = s.item_id
         JOIN tasks t ON t.id = s.task_id
         JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
         LEFT JOIN LATERAL (SELECT r.reason, r.judgment_id FROM routing_decisions r
                            WHERE r.item_id = i.id ORDER BY r.id DESC LIMIT 1) d ON true
         LEFT JOIN judgments j ON j.id = d.judgment_id AND j.criteria IS NOT NULL
         LEFT JOIN judge_configs c ON c.id = j.judge_config_id
         {filter}"
    )
}

/// The card for `slot_id`. The judge's answer is included for adjudication always, and for
/// annotation when the task shows suggestions and the item is not blind.
pub async fn load(
    pool: &PgPool,
    slot_id: i64,
    purpose: ReviewPurpose,
) -> Result<Option<ReviewCard>, sqlx::Error> {
    // Composed at run time: the card's columns are shared with the claim's statement.
    let row = sqlx::query_as::<_, CardRow>(&card_query("review_slots", "WHERE s.id = $1"))
        .bind(slot_id)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => Ok(Some(card_from(pool, row, purpose).await?)),
        None => Ok(None),
    }
}

/// What a claim by task name found.
#[derive(Debug)]
pub enum Claimed {
    /// The claimant is not an active person whose role may use this queue (a session claim).
    NotAllowed,
    /// There is no task of that name.
    NoSuchTask,
    /// Nothing left in the queue for this person.
    Empty,
    Card(Box<ReviewCard>),
}

/// Claims the next slot (see [`review::run_claim`]) and reads its card in the same statement:
/// one round trip for annotation, two for adjudication (the answers to compare).
pub async fn claim(pool: &PgPool, request: ClaimRequest<'_>) -> Result<Claimed, sqlx::Error> {
    let row = review::run_claim(pool, request, &claim_select())
        .await?
        .expect("the claim's select always returns one row");
    let head = ClaimHead::from_row(&row)?;
    if head.claimant.is_none() {
        return Ok(Claimed::NotAllowed);
    }
    if head.task_id.is_none() {
        return Ok(Claimed::NoSuchTask);
    }
    if head.slot_id.is_none() {
        return Ok(Claimed::Empty);
    }
    let card = CardRow::from_row(&row)?;
    Ok(Claimed::Card(Box::new(
        card_from(pool, card, request.purpose).await?,
    )))
}

/// What [`claim`] reads after the claim's CTEs: who claimed, the task, and the card (NULLs when
/// nothing was claimed), always one row.
fn claim_select() -> String {
    format!(
        "SELECT (SELECT id FROM me) AS claimant, (SELECT id FROM task) AS task_id, card.*
         FROM (SELECT 1) AS one LEFT JOIN ({}) AS card ON true",
        card_query("slot", "")
    )
}

/// The whole statement [`claim`] runs for `request` (its parameters as in
/// [`review::claim_statement`]), for the benchmark to EXPLAIN the very statement the page runs.
pub fn claim_sql(request: &ClaimRequest<'_>) -> String {
    review::claim_statement(request, &claim_select())
}

/// Builds the card from a row of [`card_query`], reading the answers for adjudication.
async fn card_from(
    pool: &PgPool,
    row: CardRow,
    purpose: ReviewPurpose,
) -> Result<ReviewCard, sqlx::Error> {
    let blind = row.golden || matches!(row.reason.as_deref(), Some("audit") | Some("golden"));
    let show = match purpose {
        ReviewPurpose::Adjudicate => true,
        ReviewPurpose::Annotate => row.show_suggestion && !blind,
    };
    let suggestion = match (show, &row.judged) {
        (true, Some(judged)) => Some(JudgeSuggestion {
            model: row.model.unwrap_or_default(),
            confidence: row.confidence,
            criteria: suggested_labels(judged),
        }),
        _ => None,
    };
    let answers = match purpose {
        ReviewPurpose::Adjudicate => human_answers(pool, row.item_id).await?,
        ReviewPurpose::Annotate => Vec::new(),
    };
    Ok(ReviewCard {
        slot_id: row.slot_id,
        item_id: row.item_id,
        external_id: row.external_id,
        context: row.context,
        output: row.output,
        generator: row.generator,
        lease_expires_at: row.lease_expires_at,
        suggestion,
        answers,
        draft: None,
    })
}

/// Reads `{criterion: {label, confidence, rationale}}` as stored in `judgments.criteria`.
fn suggested_labels(judged: &Value) -> BTreeMap<String, SuggestedLabel> {
    let Some(criteria) = judged.as_object() else {
        return BTreeMap::new();
    };
    criteria
        .iter()
        .filter_map(|(name, entry)| {
            Some((
                name.clone(),
                SuggestedLabel {
                    label: entry.get("label")?.as_str()?.to_string(),
                    confidence: entry.get("confidence").and_then(Value::as_f64),
                    rationale: entry
                        .get("rationale")
                        .and_then(Value::as_str)
                        .filter(|text| !text.is_empty())
                        .map(str::to_string),
                },
            ))
        })
        .collect()
}

/// Every counted, standing human annotation of the item, oldest first.
async fn human_answers(pool: &PgPool, item_id: i64) -> Result<Vec<HumanAnswer>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT u.display_name, a.criteria, a.rationale, a.flagged
         FROM annotations a JOIN users u ON u.id = a.user_id
         WHERE a.item_id = $1 AND a.purpose = 'annotate' AND a.counted AND NOT a.skipped
           AND a.retracted_at IS NULL
         ORDER BY a.id",
        item_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| HumanAnswer {
            annotator: row.display_name,
            labels: labels_of(row.criteria),
            rationale: row.rationale,
            flagged: row.flagged,
        })
        .collect())
}

/// The answer `client_id` of `user_id`, to edit again after an undo.
pub async fn draft(
    pool: &PgPool,
    client_id: uuid::Uuid,
    user_id: i64,
) -> Result<Option<Draft>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT criteria, rationale, flagged FROM annotations WHERE client_id = $1 AND user_id = $2",
        client_id,
        user_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| Draft {
        labels: labels_of(row.criteria),
        rationale: row.rationale,
        flagged: row.flagged,
    }))
}

fn labels_of(criteria: Option<Value>) -> BTreeMap<String, String> {
    criteria
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

//! A seeded interest task whose exports have known answers: contexts with several outputs of
//! known grades and provenance, judgments with known confidences, and a human rationale.
//!
//! | item | context | qualified | grade | provenance  | judge conf. | generator | batch |
//! |------|---------|-----------|-------|-------------|-------------|-----------|-------|
//! | a1   | A       | yes       | S     | human       | 0.50        | v1        | b1    |
//! | a2   | A       | yes       | A     | judge       | 0.95        | v1        | b1    |
//! | a3   | A       | no        | B     | human       | 0.40        | v1        | b1    |
//! | b1   | B       | yes       | A     | judge       | 0.90        | v2        | b1    |
//! | b2   | B       | yes       | S     | human       | 0.60        | v2        | b1    |
//! | c1   | C       | no        | B     | adjudicated | 0.30        | v2        | b1    |
//! | d1   | D       | no        | B     | judge       | 0.97        | v2        | b2    |
//! | d2   | D       | no        | B     | judge       | 0.99        | v2        | b2    |
//!
//! a1's verdict is from 2026-10-01, the others from 2026-11-10. a3's annotator wrote the
//! rationale "weak evidence".

use serde_json::{json, Value};
use sqlx::PgPool;

pub struct Seeded {
    pub task_id: i64,
    pub annotator: i64,
    pub config: i64,
}

pub struct Row {
    pub name: &'static str,
    pub context: char,
    pub qualified: bool,
    pub grade: &'static str,
    pub provenance: &'static str,
    pub confidence: f64,
    pub generator: &'static str,
    pub batch: &'static str,
    pub decided_at: &'static str,
}

/// A row decided on 2026-11-10: `verdict` is (qualified, grade), `source` (generator, batch).
const fn row(
    name: &'static str,
    context: char,
    (qualified, grade): (bool, &'static str),
    provenance: &'static str,
    confidence: f64,
    (generator, batch): (&'static str, &'static str),
) -> Row {
    Row {
        name,
        context,
        qualified,
        grade,
        provenance,
        confidence,
        generator,
        batch,
        decided_at: "2026-11-10T12:00:00Z",
    }
}

pub const ROWS: [Row; 8] = [
    Row {
        decided_at: "2026-10-01T12:00:00Z",
        ..row("a1", 'A', (true, "S"), "human", 0.50, ("v1", "b1"))
    },
    row("a2", 'A', (true, "A"), "judge", 0.95, ("v1", "b1")),
    row("a3", 'A', (false, "B"), "human", 0.40, ("v1", "b1")),
    row("b1", 'B', (true, "A"), "judge", 0.90, ("v2", "b1")),
    row("b2", 'B', (true, "S"), "human", 0.60, ("v2", "b1")),
    row("c1", 'C', (false, "B"), "adjudicated", 0.30, ("v2", "b1")),
    row("d1", 'D', (false, "B"), "judge", 0.97, ("v2", "b2")),
    row("d2", 'D', (false, "B"), "judge", 0.99, ("v2", "b2")),
];

pub fn context(key: char) -> Value {
    json!({
        "user": {"age_band": "25-34", "gender": "female", "city_tier": 1},
        "history": [{"date": "2025-06-01", "events": [{"action": "buy", "item": format!("racket {key}")}]}],
    })
}

pub fn output(name: &str) -> Value {
    json!({"interests": [{"interest": format!("tennis {name}"), "reason": "bought a racket"}]})
}

pub fn labels(qualified: bool) -> Value {
    json!({"willingness": "pass", "reasonableness": if qualified { "pass" } else { "fail" }})
}

pub async fn interest_task(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM tasks WHERE name = 'interest'")
        .fetch_one(pool)
        .await
        .unwrap()
}

pub async fn annotator(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, role, password_hash)
         VALUES ('seed-annotator@example.org', 'Seed Annotator', 'annotator', 'x') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn judge_config(pool: &PgPool, task_id: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
         SELECT id, 'judge-model', 'p-seed', current_rubric, 'single', 'logprobs' FROM tasks WHERE id = $1
         RETURNING id",
    )
    .bind(task_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// One item with its judgment, routing and final verdict.
pub async fn insert(pool: &PgPool, seeded: &Seeded, row: &Row, external_id: &str) -> i64 {
    let item: i64 = sqlx::query_scalar(
        "INSERT INTO items (task_id, external_id, context, output, content_hash, state,
                            generator_model, generator_version, batch)
         VALUES ($1, $2, $3, $4, sha256($2::bytea), 'done', 'gen', $5, $6) RETURNING id",
    )
    .bind(seeded.task_id)
    .bind(external_id)
    .bind(context(row.context))
    .bind(output(row.name))
    .bind(row.generator)
    .bind(row.batch)
    .fetch_one(pool)
    .await
    .unwrap();
    let judge_labels = json!({
        "willingness": {"label": "pass", "confidence": row.confidence},
        "reasonableness": {"label": if row.qualified { "pass" } else { "fail" }, "confidence": row.confidence},
    });
    let judgment: i64 = sqlx::query_scalar(
        "INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence)
         VALUES ($1, $2, 'online', $3, $4, $5, $6) RETURNING id",
    )
    .bind(item)
    .bind(seeded.config)
    .bind(judge_labels)
    .bind(row.qualified)
    .bind(row.grade)
    .bind(row.confidence)
    .fetch_one(pool)
    .await
    .unwrap();
    let by_judge = row.provenance == "judge";
    sqlx::query(
        "INSERT INTO routing_decisions (item_id, judgment_id, route, reason, annotations_required,
                                        inclusion_probability)
         VALUES ($1, $2, $3, $4, $5, inclusion_probability($4, 0.05))",
    )
    .bind(item)
    .bind(judgment)
    .bind(if by_judge { "auto" } else { "human" })
    .bind(if by_judge {
        "confident"
    } else {
        "low_confidence"
    })
    .bind(if by_judge { 0 } else { 1 })
    .execute(pool)
    .await
    .unwrap();
    if !by_judge {
        sqlx::query(
            "INSERT INTO annotations (item_id, user_id, client_id, rubric_version, purpose, criteria,
                                      qualified, grade, rationale)
             VALUES ($1, $2, gen_random_uuid(), 1, 'annotate', $3, $4, $5, $6)",
        )
        .bind(item)
        .bind(seeded.annotator)
        .bind(labels(row.qualified))
        .bind(row.qualified)
        .bind(row.grade)
        .bind(if row.name == "a3" { "weak evidence" } else { "" })
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, judgment_id,
                               decided_by, rubric_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8::timestamptz, $8::timestamptz)",
    )
    .bind(item)
    .bind(labels(row.qualified))
    .bind(row.qualified)
    .bind(row.grade)
    .bind(row.provenance)
    .bind(by_judge.then_some(judgment))
    .bind((!by_judge).then_some(seeded.annotator))
    .bind(row.decided_at)
    .execute(pool)
    .await
    .unwrap();
    item
}

/// The eight items of the table above.
pub async fn seed(pool: &PgPool) -> Seeded {
    let task_id = interest_task(pool).await;
    let seeded = Seeded {
        task_id,
        annotator: annotator(pool).await,
        config: judge_config(pool, task_id).await,
    };
    for row in &ROWS {
        insert(pool, &seeded, row, row.name).await;
    }
    seeded
}

//! The review server functions over HTTP, called as the review page calls them: a hundred
//! annotators racing on one task (K=1 and K=2) never share an item beyond K and lose no answer,
//! retried answers count once, undo puts an item back, the leave-page beacon releases holds,
//! blind items hide the judge, each queue is open only to the roles that work on it, and a
//! disabled account, a changed role or an expired session counts from the very next claim.

use crate::harness::{count, count_where, spawn_app, TestApp};
use crate::judge_support::*;
use crate::review_support::*;
use app::domain::Role;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// `n` signed-in people with `role`, each with their own cookie jar.
async fn people(app: &TestApp, n: usize, role: Role) -> Vec<reqwest::Client> {
    join_all((0..n).map(|_| async { app.signed_in(role).await.client })).await
}

async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.call_form(client, &format!("review/{endpoint}"), form)
        .await
}

/// The next card for this person (`holding`: slot ids the page has), or `None`.
async fn next(
    app: &TestApp,
    client: &reqwest::Client,
    purpose: &str,
    holding: &str,
) -> Option<Value> {
    let response = post_form(
        app,
        client,
        "next",
        &[("task", "tag"), ("purpose", purpose), ("holding", holding)],
    )
    .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let card: Value = response.json().await.unwrap();
    (!card.is_null()).then_some(card)
}

fn labels(label: &str) -> Value {
    Value::Object(
        TAG_CRITERIA
            .iter()
            .map(|c| (c.to_string(), json!(label)))
            .collect(),
    )
}

/// Sends an answer as JSON, as the page does; returns the status and body.
async fn answer(
    app: &TestApp,
    client: &reqwest::Client,
    purpose: &str,
    slot_id: i64,
    client_id: &str,
    labels: Value,
) -> (u16, Value) {
    let response = client
        .post(format!("{}/api/review/answer", app.address))
        .header("Accept", "application/json")
        .json(&json!({
            "purpose": purpose,
            "answer": {"client_id": client_id, "slot_id": slot_id, "labels": labels,
                       "rationale": null, "skip_reason": null, "flagged": false}
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every person claims and answers until the queue is empty, sending each answer twice (a
/// retry after a lost response). Returns (person, slot, item) for every claim.
async fn work_the_queue(app: &TestApp, clients: &[reqwest::Client]) -> Vec<(usize, i64, i64)> {
    let runs = clients
        .iter()
        .enumerate()
        .map(|(person, client)| async move {
            let mut claimed = Vec::new();
            while let Some(card) = next(app, client, "annotate", "").await {
                let slot = card["slot_id"].as_i64().unwrap();
                claimed.push((person, slot, card["item_id"].as_i64().unwrap()));
                let client_id = uuid::Uuid::new_v4().to_string();
                let (status, first) =
                    answer(app, client, "annotate", slot, &client_id, labels("pass")).await;
                assert_eq!(status, 200, "{first}");
                assert!(first.get("counted").is_some(), "{first}");
                let (_, again) =
                    answer(app, client, "annotate", slot, &client_id, labels("pass")).await;
                assert_eq!(again, json!("duplicate"));
            }
            claimed
        });
    join_all(runs).await.into_iter().flatten().collect()
}

/// Works the queue as [`work_the_queue`] does, within a minute (a deadlock or a stuck claim would
/// hang it), and checks that PostgreSQL resolved no deadlock on the way.
async fn race_through_the_queue(
    app: &TestApp,
    clients: &[reqwest::Client],
) -> Vec<(usize, i64, i64)> {
    let claims = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        work_the_queue(app, clients),
    )
    .await
    .expect("the annotators empty the queue within a minute");
    let deadlocks: i64 = sqlx::query_scalar(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(deadlocks, 0, "PostgreSQL broke a deadlock");
    claims
}

async fn counted_answers(app: &TestApp) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT item_id, user_id FROM annotations WHERE counted AND NOT skipped AND retracted_at IS NULL")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hundred_annotators_over_http_with_k1_never_share_an_item_and_lose_no_answer() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 300, 1).await;
    let clients = people(&app, 100, Role::Annotator).await;
    let claims = race_through_the_queue(&app, &clients).await;
    let slots: HashSet<i64> = claims.iter().map(|c| c.1).collect();
    assert_eq!(slots.len(), claims.len(), "a slot was handed to two people");
    assert_eq!(claims.len(), 300);
    let answers = counted_answers(&app).await;
    assert_eq!(
        answers.len(),
        300,
        "every acknowledged answer is stored once"
    );
    let done = count_where(&app.pool, "verdicts", "provenance = 'human'").await;
    assert_eq!(done, 300);
}

#[tokio::test]
async fn with_k2_every_item_gets_two_distinct_people_and_no_more() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 100, 2).await;
    let clients = people(&app, 100, Role::Annotator).await;
    let claims = race_through_the_queue(&app, &clients).await;
    assert_eq!(claims.len(), 200);
    let mut per_item: HashMap<i64, Vec<usize>> = HashMap::new();
    for (person, _, item) in claims {
        per_item.entry(item).or_default().push(person);
    }
    for (item, people) in &per_item {
        let distinct: HashSet<_> = people.iter().collect();
        assert_eq!(
            (people.len(), distinct.len()),
            (2, 2),
            "item {item}: {people:?}"
        );
    }
    assert_eq!(counted_answers(&app).await.len(), 200);
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, count(*) FROM items GROUP BY state")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(states, vec![("done".to_string(), 100)]);
}

#[tokio::test]
async fn the_page_prefetches_a_second_item_and_holds_no_more_than_it_asks_for() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 5, 1).await;
    let clients = people(&app, 2, Role::Annotator).await;
    let first = next(&app, &clients[0], "annotate", "").await.unwrap();
    let again = next(&app, &clients[0], "annotate", "").await.unwrap();
    assert_eq!(
        first["slot_id"], again["slot_id"],
        "a reload resumes the held item"
    );
    let slot = first["slot_id"].as_i64().unwrap().to_string();
    let prefetched = next(&app, &clients[0], "annotate", &slot).await.unwrap();
    assert_ne!(prefetched["item_id"], first["item_id"]);
    let other = next(&app, &clients[1], "annotate", "").await.unwrap();
    assert!(other["item_id"] != first["item_id"] && other["item_id"] != prefetched["item_id"]);
    let too_many = post_form(
        &app,
        &clients[0],
        "next",
        &[
            ("task", "tag"),
            ("purpose", "annotate"),
            ("holding", "1,2,3,4,5"),
        ],
    )
    .await;
    assert_eq!(too_many.status(), 400);
}

#[tokio::test]
async fn the_leave_page_beacon_hands_items_back() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 1, 1).await;
    let clients = people(&app, 2, Role::Annotator).await;
    let card = next(&app, &clients[0], "annotate", "").await.unwrap();
    assert!(
        next(&app, &clients[1], "annotate", "").await.is_none(),
        "held by the first person"
    );
    // What navigator.sendBeacon sends: a url-encoded form.
    let slot = card["slot_id"].to_string();
    let released = post_form(
        &app,
        &clients[0],
        "release",
        &[("purpose", "annotate"), ("slots", &slot)],
    )
    .await;
    assert!(released.status().is_success());
    let taken = next(&app, &clients[1], "annotate", "").await.unwrap();
    assert_eq!(taken["item_id"], card["item_id"]);
}

#[tokio::test]
async fn an_answer_to_a_slot_never_handed_out_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 3, 1).await;
    let clients = people(&app, 1, Role::Annotator).await;
    // Slot ids are sequential: an annotator can guess the open ones without claiming them.
    let open: Vec<i64> = sqlx::query_scalar("SELECT id FROM review_slots ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for slot in open {
        let client_id = uuid::Uuid::new_v4().to_string();
        let (status, body) = answer(
            &app,
            &clients[0],
            "annotate",
            slot,
            &client_id,
            labels("pass"),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body.to_string().contains("not handed to you"),
            "the refusal says why: {body}"
        );
    }
    assert_eq!(count(&app.pool, "annotations").await, 0);
    assert_eq!(count_where(&app.pool, "items", "state = 'done'").await, 0);
}

#[tokio::test]
async fn undo_reopens_the_item_with_the_answer_as_a_draft_and_only_for_its_author() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 2, 1).await;
    let clients = people(&app, 2, Role::Annotator).await;
    let card = next(&app, &clients[0], "annotate", "").await.unwrap();
    let slot = card["slot_id"].as_i64().unwrap();
    let client_id = uuid::Uuid::new_v4().to_string();
    let (status, _) = answer(
        &app,
        &clients[0],
        "annotate",
        slot,
        &client_id,
        labels("fail"),
    )
    .await;
    assert_eq!(status, 200);
    let verdicts = count(&app.pool, "verdicts").await;
    assert_eq!(verdicts, 1);

    let stranger = post_form(
        &app,
        &clients[1],
        "undo",
        &[("purpose", "annotate"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(stranger.status(), 409, "only the author can undo");
    let undone = post_form(
        &app,
        &clients[0],
        "undo",
        &[("purpose", "annotate"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(undone.status(), 200);
    let reopened: Value = undone.json().await.unwrap();
    assert_eq!(reopened["slot_id"], json!(slot));
    assert_eq!(reopened["draft"]["labels"], labels("fail"));
    let (verdicts, state): (i64, String) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM verdicts), (SELECT state FROM items WHERE id = $1)",
    )
    .bind(card["item_id"].as_i64().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((verdicts, state.as_str()), (0, "human_review"));

    let again = post_form(
        &app,
        &clients[0],
        "undo",
        &[("purpose", "annotate"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(again.status(), 409, "an answer is undone once");
    let (status, outcome) = answer(
        &app,
        &clients[0],
        "annotate",
        slot,
        &uuid::Uuid::new_v4().to_string(),
        labels("pass"),
    )
    .await;
    assert_eq!(
        (status, outcome),
        (200, json!({"counted": {"finished": true}}))
    );
    let qualified: bool = sqlx::query_scalar("SELECT qualified FROM verdicts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(qualified, "the corrected answer made the verdict");
}

#[tokio::test]
async fn blind_items_hide_the_judge_and_others_show_it_unless_the_task_says_not_to() {
    let app = spawn_app().await;
    let fake = fake_openai::FakeOpenAi::start().await;
    // Low confidence: every item goes to humans with the judge's answer attached.
    fake.set_answerer(|_| all_tag("fail", 0.55));
    queue_items(&app.pool, "tag", "s", 4, |n| n == 0).await;
    run_until_drained(&app.pool, settings(Some(fake.base_url()))).await;
    let clients = people(&app, 1, Role::Annotator).await;
    let mut seen = Vec::new();
    let mut holding = Vec::new();
    while let Some(card) = next(
        &app,
        &clients[0],
        "annotate",
        &holding
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    )
    .await
    {
        holding.push(card["slot_id"].as_i64().unwrap());
        // Nothing in the card tells a blind item from another but the missing suggestion.
        assert!(card.get("blind").is_none(), "{card}");
        let external_id = card["external_id"].as_str().unwrap().to_string();
        seen.push((
            external_id.clone(),
            external_id == "s-0",
            card["suggestion"].clone(),
        ));
        if holding.len() == 4 {
            break;
        }
    }
    assert_eq!(seen.len(), 4);
    for (external_id, blind, suggestion) in &seen {
        if external_id == "s-0" {
            assert!(
                *blind && suggestion.is_null(),
                "golden items are blind: {suggestion}"
            );
        } else {
            assert!(!*blind, "{external_id}");
            assert_eq!(
                suggestion["criteria"]["relevance"]["label"], "fail",
                "{external_id}"
            );
            assert_eq!(
                suggestion["confidence"]
                    .as_f64()
                    .map(|c| (c * 100.0).round()),
                Some(55.0)
            );
        }
    }
    sqlx::query(
        "UPDATE rubrics SET definition = jsonb_set(definition, '{routing,show_judge_suggestion}', 'false')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let renewed = next(&app, &clients[0], "annotate", "").await.unwrap();
    assert!(
        renewed["suggestion"].is_null(),
        "the task hides suggestions: {renewed}"
    );
}

#[tokio::test]
async fn each_queue_is_open_only_to_the_roles_that_work_on_it() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 1, 1).await;
    let anonymous = app.client();
    let expect =
        |role: &str, purpose: &str, status: u16| (role.to_string(), purpose.to_string(), status);
    let mut expected = vec![
        expect("anonymous", "annotate", 401),
        expect("anonymous", "adjudicate", 401),
    ];
    let mut clients = vec![("anonymous".to_string(), anonymous)];
    for (role, annotate, adjudicate) in [
        (Role::Admin, 200, 200),
        (Role::Reviewer, 200, 200),
        (Role::Annotator, 200, 403),
        (Role::Trainer, 403, 403),
    ] {
        let client = app.signed_in(role).await.client;
        clients.push((role.as_str().to_string(), client));
        expected.push(expect(role.as_str(), "annotate", annotate));
        expected.push(expect(role.as_str(), "adjudicate", adjudicate));
    }
    let mut seen = Vec::new();
    for (name, client) in &clients {
        for purpose in ["annotate", "adjudicate"] {
            for endpoint in ["next", "renew", "release"] {
                let form = [
                    ("task", "tag"),
                    ("purpose", purpose),
                    ("holding", ""),
                    ("slots", ""),
                ];
                let status = post_form(&app, client, endpoint, &form)
                    .await
                    .status()
                    .as_u16();
                if endpoint == "next" {
                    seen.push(expect(name, purpose, status));
                } else {
                    let wanted = expected
                        .iter()
                        .find(|e| e.0 == *name && e.1 == purpose)
                        .unwrap()
                        .2;
                    assert_eq!(status, wanted, "{name} {purpose} {endpoint}");
                }
            }
        }
    }
    assert_eq!(seen, expected);
    let guide = post_form(&app, &clients[4].1, "guide", &[("task", "tag")]).await;
    assert_eq!(guide.status(), 403, "trainers do not review");
}

#[tokio::test]
async fn an_unknown_or_archived_task_has_no_queue() {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 1, 1).await;
    let client = app.signed_in(Role::Annotator).await.client;
    async fn claim(app: &TestApp, client: &reqwest::Client, task: &str) -> u16 {
        let form = [("task", task), ("purpose", "annotate"), ("holding", "")];
        post_form(app, client, "next", &form)
            .await
            .status()
            .as_u16()
    }
    assert_eq!(claim(&app, &client, "no-such-task").await, 404);
    assert_eq!(claim(&app, &client, "tag").await, 200);
    sqlx::query("UPDATE tasks SET archived_at = now() WHERE name = 'tag'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(claim(&app, &client, "tag").await, 404);
}

#[tokio::test]
async fn my_work_counts_answers_golden_accuracy_and_agreement_with_verdicts() {
    let app = spawn_app().await;
    // Two golden items (golden label `pass` on relevance) and K=2 for everything.
    queue_items(&app.pool, "tag", "g", 2, |_| true).await;
    items_for_humans(&app.pool, 2, 2).await;
    let clients = people(&app, 2, Role::Annotator).await;
    for (who, client) in clients.iter().enumerate() {
        while let Some(card) = next(&app, client, "annotate", "").await {
            let slot = card["slot_id"].as_i64().unwrap();
            let golden = card["external_id"].as_str().unwrap().starts_with("g-");
            // The first person fails relevance on golden items; both pass everything else.
            let label = if golden && who == 0 { "fail" } else { "pass" };
            let (status, _) = answer(
                &app,
                client,
                "annotate",
                slot,
                &uuid::Uuid::new_v4().to_string(),
                labels(label),
            )
            .await;
            assert_eq!(status, 200);
        }
    }
    let app = &app;
    let work = |client| async move {
        let response = post_form(app, client, "my-work", &[]).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()
    };
    let first = work(&clients[0]).await;
    let row = &first[0];
    assert_eq!(
        (
            row["task"].as_str(),
            row["today"].as_i64(),
            row["total"].as_i64()
        ),
        (Some("tag"), Some(4), Some(4))
    );
    assert_eq!(
        (
            row["golden_items"].as_i64(),
            row["golden_labels"].as_i64(),
            row["golden_labels_matched"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );
    // Golden items: the two people disagreed, so those went to adjudication (no verdict yet);
    // the other two items have human verdicts both agreed on.
    assert_eq!(
        (
            row["verdicts_compared"].as_i64(),
            row["verdicts_matched"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let second = work(&clients[1]).await;
    assert_eq!(second[0]["golden_labels_matched"].as_i64(), Some(2));
}

#[tokio::test]
async fn a_disabled_account_or_a_changed_role_stops_claims_and_answers_at_once_and_a_reenabled_one_resumes(
) {
    let app = spawn_app().await;
    items_for_humans(&app.pool, 3, 1).await;
    let signed_in = app.signed_in(Role::Annotator).await;
    let (ann, user_id) = (signed_in.client, signed_in.id);
    let status = |client: &reqwest::Client, purpose: &'static str| {
        let (app, client) = (&app, client.clone());
        async move {
            let form = [("task", "tag"), ("purpose", purpose), ("holding", "")];
            post_form(app, &client, "next", &form)
                .await
                .status()
                .as_u16()
        }
    };
    let set = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query(sql).bind(user_id).execute(&pool).await.unwrap();
        }
    };
    let stored = || count(&app.pool, "annotations");
    let card = next(&app, &ann, "annotate", "").await.unwrap();
    let slot_id = card["slot_id"].as_i64().unwrap();
    let answer_now = || {
        let (app, ann) = (&app, ann.clone());
        async move {
            let client_id = uuid::Uuid::new_v4().to_string();
            answer(app, &ann, "annotate", slot_id, &client_id, labels("pass"))
                .await
                .0
        }
    };

    set("UPDATE users SET disabled_at = now() WHERE id = $1").await;
    assert_eq!(status(&ann, "annotate").await, 401, "disabled");
    assert_eq!(answer_now().await, 401, "disabled");
    assert_eq!(stored().await, 0, "a refused answer is not stored");
    set("UPDATE users SET disabled_at = NULL WHERE id = $1").await;
    assert_eq!(status(&ann, "annotate").await, 200, "enabled again");

    set("UPDATE users SET role = 'trainer' WHERE id = $1").await;
    assert_eq!(status(&ann, "annotate").await, 403, "now a trainer");
    assert_eq!(answer_now().await, 403, "now a trainer");
    assert_eq!(stored().await, 0, "a refused answer is not stored");
    set("UPDATE users SET role = 'annotator' WHERE id = $1").await;
    assert_eq!(answer_now().await, 200, "an annotator again");
    assert_eq!(stored().await, 1);
    set("UPDATE users SET role = 'reviewer' WHERE id = $1").await;
    assert_eq!(status(&ann, "adjudicate").await, 200, "now a reviewer");

    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(status(&ann, "annotate").await, 401, "session expired");
    assert_eq!(answer_now().await, 401, "session expired");
    assert_eq!(stored().await, 1, "a refused answer is not stored");
}

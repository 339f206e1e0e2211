//! The judge under a faulty LLM endpoint (issue 8): with 30% of calls failing — 429 with
//! Retry-After, 500, a call that never answers, or garbage — two workers still take every item
//! to a judgment or to humans, nothing is stuck, nothing is judged twice, and the retries keep to
//! their limits: Retry-After is waited out, and no item gets more calls than its attempts allow.

use crate::harness::{count_where, migrated_pool};
use crate::judge_support::*;
use cojudge::judge::worker;
use fake_openai::{default_answer, FakeOpenAi, Reply};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ITEMS: usize = 200;

/// What the endpoint did with one call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    RateLimited,
    ServerError,
    Hang,
    Garbage,
}

/// 30% of calls fail, a quarter of those each way, by a hash of the call's arrival order.
fn fault_for(index: usize) -> Fault {
    let mut x = (index as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    match (x ^ (x >> 31)) % 100 {
        0..=7 => Fault::RateLimited,
        8..=14 => Fault::ServerError,
        15..=22 => Fault::Hang,
        23..=29 => Fault::Garbage,
        _ => Fault::None,
    }
}

/// The item a judge call is about: `tag number N` is in every prompt.
fn item_of(user_prompt: &str) -> usize {
    let rest = &user_prompt[user_prompt.find("tag number ").expect("the item's tag") + 11..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

#[tokio::test]
async fn with_30_percent_of_llm_calls_failing_every_item_is_judged_or_with_humans() {
    let (pool, _) = migrated_pool().await;
    let calls: Arc<Mutex<Vec<(usize, Instant, Fault)>>> = Arc::default();
    let fake = FakeOpenAi::start().await;
    let log = calls.clone();
    fake.set_answerer(move |request| {
        let fault = fault_for(request.index);
        log.lock()
            .unwrap()
            .push((item_of(request.user()), Instant::now(), fault));
        match fault {
            Fault::None => default_answer(request),
            Fault::RateLimited => Reply::Status {
                code: 429,
                retry_after: Some(1),
            },
            Fault::ServerError => Reply::Status {
                code: 500,
                retry_after: None,
            },
            Fault::Hang => Reply::Hang,
            Fault::Garbage => Reply::Content("<html>Bad gateway</html>".into()),
        }
    });
    queue_items(&pool, "tag", "fault", ITEMS, |_| false).await;
    let mut settings = settings(Some(fake.base_url()));
    settings.timeout = Duration::from_millis(800);
    settings.concurrency = 24;

    let run = || worker::run(pool.clone(), settings.clone(), drained(pool.clone()));
    let (first, second) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(run(), run())
    })
    .await
    .expect("two workers drain the queue within two minutes: nothing is stuck");
    let (first, second) = (first.unwrap(), second.unwrap());

    println!("workers under faults: {first:?} {second:?}");
    assert_all_settled(&pool, ITEMS).await;
    // One judgment and one routing decision per item.
    let (items_judged, judgments, routed): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT item_id) FROM judgments), (SELECT count(*) FROM judgments),
                (SELECT count(DISTINCT item_id) FROM routing_decisions)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (items_judged, judgments, routed),
        (ITEMS as i64, ITEMS as i64, ITEMS as i64)
    );
    // Garbage that stayed garbage through the output retries went to humans as a judge error.
    let judge_errors = count_where(&pool, "routing_decisions", "reason = 'judge_error'").await;
    let with_error = count_where(&pool, "judgments", "error IS NOT NULL").await;
    assert_eq!(judge_errors, with_error);

    let calls = calls.lock().unwrap().clone();
    let faults = calls.iter().filter(|c| c.2 != Fault::None).count();
    assert!(
        (0.2..0.4).contains(&(faults as f64 / calls.len() as f64)),
        "{faults} of {} calls failed",
        calls.len()
    );
    let mut per_item: HashMap<usize, Vec<(Instant, Fault)>> = HashMap::new();
    for (item, at, fault) in calls {
        per_item.entry(item).or_default().push((at, fault));
    }
    assert_eq!(per_item.len(), ITEMS);
    // Calls per item: at most max_attempts claims × (1 + max_retries) HTTP tries × (1 +
    // output_retries) readings.
    let limit = settings.max_attempts as usize
        * (1 + settings.retry.max_retries as usize)
        * (1 + settings.output_retries as usize);
    for (item, mut item_calls) in per_item {
        assert!(
            item_calls.len() <= limit,
            "item {item}: {} calls",
            item_calls.len()
        );
        item_calls.sort_by_key(|c| c.0);
        for pair in item_calls.windows(2) {
            if pair[0].1 == Fault::RateLimited {
                let waited = pair[1].0 - pair[0].0;
                assert!(
                    waited >= Duration::from_millis(950),
                    "item {item}: called again {waited:?} after a 429 with Retry-After: 1"
                );
            }
        }
    }
}

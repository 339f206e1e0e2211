//! Prints the review page's claim statement (`db::review_card::claim_sql`, the session form), so
//! `bench/claim_bench.py` EXPLAINs the very statement the server runs rather than a copy.
//! Parameters: `$1` session id, `$2` task name, `$3` purpose, `$4` lease seconds, `$5` slot ids
//! not to hand back, `$6` roles allowed.

use app::db::queue::review::{ClaimRequest, Claimant};
use app::db::review_card::claim_sql;
use app::domain::ReviewPurpose;
use std::time::Duration;

fn main() {
    let request = ClaimRequest {
        task: "",
        claimant: Claimant::Session { id: "", roles: &[] },
        purpose: ReviewPurpose::Annotate,
        lease: Duration::ZERO,
        exclude: &[],
    };
    println!("{}", claim_sql(&request));
}

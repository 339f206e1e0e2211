//! Turns the sampler's tables into [`Operations`]: the period's hours filled in (zeros where
//! nothing happened), summed per day with the human share of decisions, queue samples binned
//! per state, and each annotator's throughput.

use super::ServiceError;
use crate::db::{
    self,
    operations::{AnnotatorHourRow, HourRow, QueueBin},
};
use crate::views::operations::{
    ActivityDay, ActivityHour, AnnotatorThroughput, Operations, QueuePoint, PERIODS,
};
use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// The queue chart has at most about this many bins.
const MAX_QUEUE_BINS: u32 = 200;
/// Bin widths the queue chart picks from, in minutes.
const BIN_MINUTES: [u32; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440];

/// The dashboards of `task` over the `days` days up to `now`; per-annotator figures only when
/// `with_annotators`.
pub async fn task_operations(
    pool: &PgPool,
    task: &str,
    days: u32,
    now: DateTime<Utc>,
    with_annotators: bool,
) -> Result<Operations, ServiceError> {
    if !PERIODS.contains(&days) {
        return Err(ServiceError::Invalid(format!(
            "days must be one of {PERIODS:?}, not {days}"
        )));
    }
    let (task_id, _, _) = db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Task `{task}`")))?;
    let from = period_start(now, days);
    let queue_bin_minutes = queue_bin_minutes(days);
    let bins = db::operations::queue_bins(pool, task_id, from, queue_bin_minutes).await?;
    let last_sample_at = db::operations::last_sample_at(pool, task_id).await?;
    let rows = db::operations::activity_hours(pool, task_id, from).await?;
    let hours = dense_hours(from, now, &rows);
    let days_totals = daily_totals(&hours);
    let annotators = if with_annotators {
        let rows = db::operations::annotator_hours(pool, task_id, from).await?;
        Some(annotator_throughput(&rows, from, now))
    } else {
        None
    };
    Ok(Operations {
        task: task.to_owned(),
        days,
        from,
        to: now,
        queue_bin_minutes,
        queue: queue_points(&bins),
        last_sample_at,
        hours,
        days_totals,
        annotators,
    })
}

/// The start of the period: `days × 24` hours ending with the current hour.
pub fn period_start(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let hour = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
    hour - TimeDelta::hours(i64::from(days) * 24 - 1)
}

/// The narrowest bin width that keeps the queue chart within [`MAX_QUEUE_BINS`] bins.
pub fn queue_bin_minutes(days: u32) -> u32 {
    let minutes = days * 24 * 60;
    BIN_MINUTES
        .into_iter()
        .find(|bin| minutes / bin <= MAX_QUEUE_BINS)
        .unwrap_or(1440)
}

/// Every hour from `from` to `now`, with the rows' figures and zeros elsewhere.
pub fn dense_hours(from: DateTime<Utc>, now: DateTime<Utc>, rows: &[HourRow]) -> Vec<ActivityHour> {
    let by_hour: BTreeMap<DateTime<Utc>, &HourRow> = rows.iter().map(|r| (r.hour, r)).collect();
    let count = (now - from).num_hours().max(0) + 1;
    (0..count)
        .map(|i| {
            let hour = from + TimeDelta::hours(i);
            by_hour.get(&hour).map_or_else(
                || ActivityHour {
                    hour,
                    ..ActivityHour::default()
                },
                |row| activity(row),
            )
        })
        .collect()
}

fn activity(row: &HourRow) -> ActivityHour {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    ActivityHour {
        hour: row.hour,
        judged: count(row.judged),
        judge_errors: count(row.judge_errors),
        evaluated: count(row.evaluated),
        answers: count(row.answers),
        skips: count(row.skips),
        adjudications: count(row.adjudications),
        verdicts_judge: count(row.verdicts_judge),
        verdicts_human: count(row.verdicts_human),
        verdicts_adjudicated: count(row.verdicts_adjudicated),
        prompt_tokens: count(row.prompt_tokens),
        completion_tokens: count(row.completion_tokens),
        cost_usd: row.cost_usd,
    }
}

/// The hours summed per UTC day, oldest first.
pub fn daily_totals(hours: &[ActivityHour]) -> Vec<ActivityDay> {
    let mut days: BTreeMap<NaiveDate, ActivityHour> = BTreeMap::new();
    for hour in hours {
        let day = days
            .entry(hour.hour.date_naive())
            .or_insert_with(|| ActivityHour {
                hour: hour.hour,
                ..ActivityHour::default()
            });
        day.add(hour);
    }
    days.into_iter()
        .map(|(day, totals)| {
            let by_people = totals.verdicts_human + totals.verdicts_adjudicated;
            let all = by_people + totals.verdicts_judge;
            ActivityDay {
                day,
                human_share: (all > 0).then(|| by_people as f64 / all as f64),
                totals,
            }
        })
        .collect()
}

/// One point per bin, with every waiting state (0 for a state the bin has no sample of).
pub fn queue_points(bins: &[QueueBin]) -> Vec<QueuePoint> {
    let mut points: Vec<QueuePoint> = Vec::new();
    for bin in bins {
        if points.last().is_none_or(|p| p.at != bin.bin) {
            points.push(QueuePoint {
                at: bin.bin,
                queued: 0,
                judging: 0,
                human_review: 0,
                adjudication: 0,
                failed: 0,
            });
        }
        let point = points.last_mut().expect("pushed above");
        let slot = match bin.state.as_str() {
            "queued" => &mut point.queued,
            "judging" => &mut point.judging,
            "human_review" => &mut point.human_review,
            "adjudication" => &mut point.adjudication,
            _ => &mut point.failed,
        };
        *slot = u64::try_from(bin.items).unwrap_or(0);
    }
    points
}

/// Each annotator's totals and answers per day of the period, most answers first.
pub fn annotator_throughput(
    rows: &[AnnotatorHourRow],
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<AnnotatorThroughput> {
    let first_day = from.date_naive();
    let day_count = (now.date_naive() - first_day).num_days().max(0) as usize + 1;
    let mut people: BTreeMap<i64, AnnotatorThroughput> = BTreeMap::new();
    for row in rows {
        let person = people
            .entry(row.user_id)
            .or_insert_with(|| AnnotatorThroughput {
                name: row.name.clone(),
                answers: 0,
                skips: 0,
                adjudications: 0,
                active_hours: 0,
                per_active_hour: None,
                per_day: vec![0; day_count],
            });
        let answers = u64::try_from(row.answers).unwrap_or(0);
        let adjudications = u64::try_from(row.adjudications).unwrap_or(0);
        person.answers += answers;
        person.skips += u64::try_from(row.skips).unwrap_or(0);
        person.adjudications += adjudications;
        if answers + adjudications > 0 {
            person.active_hours += 1;
        }
        let day = (row.hour.date_naive() - first_day).num_days();
        if let Some(slot) = usize::try_from(day)
            .ok()
            .and_then(|d| person.per_day.get_mut(d))
        {
            *slot += answers + adjudications;
        }
    }
    let mut people: Vec<AnnotatorThroughput> = people
        .into_values()
        .map(|mut person| {
            let done = person.answers + person.adjudications;
            person.per_active_hour =
                (person.active_hours > 0).then(|| done as f64 / person.active_hours as f64);
            person
        })
        .collect();
    people.sort_by(|a, b| {
        (b.answers + b.adjudications)
            .cmp(&(a.answers + a.adjudications))
            .then_with(|| a.name.cmp(&b.name))
    });
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn hour_row(hour: &str, judged: i64, verdicts: (i64, i64, i64)) -> HourRow {
        HourRow {
            hour: at(hour),
            judged,
            judge_errors: 0,
            evaluated: 0,
            prompt_tokens: judged * 100,
            completion_tokens: judged * 10,
            cost_usd: judged as f64 * 0.5,
            answers: 0,
            skips: 0,
            adjudications: 0,
            verdicts_judge: verdicts.0,
            verdicts_human: verdicts.1,
            verdicts_adjudicated: verdicts.2,
        }
    }

    #[test]
    fn a_period_is_whole_hours_ending_with_the_current_one() {
        let now = at("2026-11-26T10:07:42Z");
        assert_eq!(period_start(now, 1), at("2026-11-25T11:00:00Z"));
        assert_eq!(period_start(now, 7), at("2026-11-19T11:00:00Z"));
        assert_eq!(dense_hours(period_start(now, 1), now, &[]).len(), 24);
    }

    #[test]
    fn queue_bins_keep_the_chart_within_two_hundred_points() {
        assert_eq!(queue_bin_minutes(1), 10);
        assert_eq!(queue_bin_minutes(7), 60);
        assert_eq!(queue_bin_minutes(30), 240);
        assert_eq!(queue_bin_minutes(90), 720);
    }

    #[test]
    fn hours_without_work_are_zeros_and_days_sum_their_hours() {
        let now = at("2026-11-26T01:30:00Z");
        let from = at("2026-11-25T22:00:00Z");
        let rows = [
            hour_row("2026-11-25T23:00:00Z", 4, (3, 1, 0)),
            hour_row("2026-11-26T01:00:00Z", 2, (1, 2, 1)),
        ];
        let hours = dense_hours(from, now, &rows);
        assert_eq!(hours.len(), 4);
        assert_eq!(
            hours.iter().map(|h| h.judged).collect::<Vec<_>>(),
            [0, 4, 0, 2]
        );
        let days = daily_totals(&hours);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert_eq!(days[0].totals.judged, 4);
        assert_eq!(days[0].totals.prompt_tokens, 400);
        assert_eq!(days[0].human_share, Some(0.25));
        assert_eq!(days[1].totals.cost_usd, 1.0);
        assert_eq!(days[1].human_share, Some(0.75));
    }

    #[test]
    fn a_day_without_verdicts_has_no_human_share() {
        let now = at("2026-11-26T00:30:00Z");
        let days = daily_totals(&dense_hours(at("2026-11-26T00:00:00Z"), now, &[]));
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].human_share, None);
    }

    #[test]
    fn queue_bins_become_one_point_per_bin_with_every_state() {
        let bin = |time: &str, state: &str, items: i64| QueueBin {
            bin: at(time),
            state: state.into(),
            items,
        };
        let points = queue_points(&[
            bin("2026-11-26T10:00:00Z", "human_review", 5),
            bin("2026-11-26T10:00:00Z", "queued", 12),
            bin("2026-11-26T10:10:00Z", "failed", 1),
        ]);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].queued, 12);
        assert_eq!(points[0].human_review, 5);
        assert_eq!(points[0].failed, 0);
        assert_eq!(points[1].failed, 1);
        assert_eq!(points[1].queued, 0);
    }

    #[test]
    fn annotators_are_ranked_by_work_with_answers_per_day_and_active_hour() {
        let row = |user_id: i64, name: &str, hour: &str, answers: i64, adjudications: i64| {
            AnnotatorHourRow {
                user_id,
                name: name.into(),
                hour: at(hour),
                answers,
                skips: 1,
                adjudications,
            }
        };
        let from = at("2026-11-25T12:00:00Z");
        let now = at("2026-11-26T11:10:00Z");
        let people = annotator_throughput(
            &[
                row(1, "Ann", "2026-11-25T13:00:00Z", 10, 0),
                row(1, "Ann", "2026-11-26T09:00:00Z", 20, 2),
                row(2, "Bo", "2026-11-26T10:00:00Z", 40, 0),
                row(3, "Cy", "2026-11-26T10:00:00Z", 0, 0),
            ],
            from,
            now,
        );
        let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Bo", "Ann", "Cy"]);
        let ann = &people[1];
        assert_eq!((ann.answers, ann.adjudications, ann.skips), (30, 2, 2));
        assert_eq!(ann.per_day, [10, 22]);
        assert_eq!(ann.active_hours, 2);
        assert_eq!(ann.per_active_hour, Some(16.0));
        assert_eq!(people[2].active_hours, 0);
        assert_eq!(people[2].per_active_hour, None);
    }
}

//! The operations charts: time on the x axis (hours since the period's start, labelled with
//! times or dates), counts on the y axis.

use crate::api::operations::{AnnotatorThroughput, Operations};
use crate::ui::chart::{ChartSpec, Mark, Series, TickFormat};
use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};

/// Annotators drawn in the throughput chart (the table lists everyone).
const MAX_ANNOTATOR_LINES: usize = 6;

/// Queue depth per waiting state over time.
pub fn queue(figures: &Operations) -> ChartSpec {
    let point = |value: fn(&crate::api::operations::QueuePoint) -> f64| {
        figures
            .queue
            .iter()
            .map(|p| (hours_since(figures.from, p.at), value(p)))
            .collect::<Vec<_>>()
    };
    time_chart(
        figures,
        "Items waiting, by state",
        "Items",
        vec![
            line("Queued for the judge", point(|p| p.queued)),
            line("Being judged", point(|p| p.judging)),
            line("Awaiting review", point(|p| p.human_review)),
            line("Awaiting adjudication", point(|p| p.adjudication)),
            line("Failed", point(|p| p.failed)),
        ],
    )
}

/// Judged, human answers, adjudications and judge errors per hour.
pub fn hourly(figures: &Operations) -> ChartSpec {
    let per_hour = |value: fn(&crate::api::operations::ActivityHour) -> u64| {
        figures
            .hours
            .iter()
            .map(|h| (hours_since(figures.from, h.hour), value(h) as f64))
            .collect::<Vec<_>>()
    };
    time_chart(
        figures,
        "Items per hour",
        "Items per hour",
        vec![
            line("Judged", per_hour(|h| h.judged)),
            line("Human answers", per_hour(|h| h.answers)),
            line("Adjudications", per_hour(|h| h.adjudications)),
            line("Judge errors", per_hour(|h| h.judge_errors)),
        ],
    )
}

/// The human share of final verdicts per day, as bars.
pub fn human_share(figures: &Operations) -> ChartSpec {
    let points = figures
        .days_totals
        .iter()
        .filter_map(|d| Some((midday(figures, d.day), d.human_share?)))
        .collect();
    let mut spec = time_chart(
        figures,
        "Human share of decisions per day",
        "Decided by people",
        vec![bars(figures, "Human share", points)],
    );
    spec.y_range = (0.0, 1.0);
    spec.y_format = TickFormat::Percent;
    spec
}

/// Prompt and completion tokens per day.
pub fn tokens(figures: &Operations) -> ChartSpec {
    let per_day = |value: fn(&crate::api::operations::ActivityHour) -> u64| {
        figures
            .days_totals
            .iter()
            .map(|d| (midday(figures, d.day), value(&d.totals) as f64))
            .collect::<Vec<_>>()
    };
    time_chart(
        figures,
        "Judge tokens per day",
        "Tokens",
        vec![
            line("Prompt", per_day(|t| t.prompt_tokens)),
            line("Completion", per_day(|t| t.completion_tokens)),
        ],
    )
}

/// The judge's cost per day, as bars.
pub fn cost(figures: &Operations) -> ChartSpec {
    let points = figures
        .days_totals
        .iter()
        .map(|d| (midday(figures, d.day), d.totals.cost_usd))
        .collect();
    time_chart(
        figures,
        "Judge cost per day",
        "US dollars",
        vec![bars(figures, "Cost", points)],
    )
}

/// Answers and adjudications per day of the busiest annotators.
pub fn annotators(figures: &Operations, people: &[AnnotatorThroughput]) -> ChartSpec {
    let first_day = figures.from.date_naive();
    let series = people
        .iter()
        .take(MAX_ANNOTATOR_LINES)
        .map(|person| {
            let points = person
                .per_day
                .iter()
                .enumerate()
                .map(|(i, count)| {
                    let day = first_day + TimeDelta::days(i as i64);
                    (midday(figures, day), *count as f64)
                })
                .collect();
            line(&person.name, points)
        })
        .collect();
    time_chart(figures, "Answers per day", "Answers", series)
}

fn line(name: &str, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.to_owned(),
        mark: Mark::Line,
        points,
    }
}

/// Bars one day wide (less a gap).
fn bars(figures: &Operations, name: &str, points: Vec<(f64, f64)>) -> Series {
    let span = span_hours(figures).max(1.0);
    Series {
        name: name.to_owned(),
        mark: Mark::Bars {
            width_permille: ((24.0 * 0.7 / span * 1000.0) as u32).clamp(4, 700),
        },
        points,
    }
}

/// A chart over the period, its y axis from 0 to a little above the highest point.
fn time_chart(figures: &Operations, title: &str, y_label: &str, series: Vec<Series>) -> ChartSpec {
    let highest = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, y)| *y))
        .fold(0.0, f64::max);
    let span = span_hours(figures);
    ChartSpec {
        title: title.to_owned(),
        x_label: "Time (UTC)".to_owned(),
        y_label: y_label.to_owned(),
        x_range: (0.0, span),
        y_range: (0.0, if highest > 0.0 { highest * 1.1 } else { 1.0 }),
        x_format: TickFormat::Integer,
        y_format: TickFormat::Compact,
        series,
        marker: None,
        x_labels: Some(time_labels(figures.from, figures.to, figures.days)),
    }
}

fn span_hours(figures: &Operations) -> f64 {
    hours_since(figures.from, figures.to)
}

/// Hours from `from` to `at`.
pub fn hours_since(from: DateTime<Utc>, at: DateTime<Utc>) -> f64 {
    (at - from).num_seconds() as f64 / 3600.0
}

/// The middle of `day` on the x axis, kept inside the period (its first and last days are
/// partly outside).
fn midday(figures: &Operations, day: NaiveDate) -> f64 {
    let noon = day.and_hms_opt(12, 0, 0).expect("noon exists").and_utc();
    hours_since(figures.from, noon).clamp(0.0, span_hours(figures))
}

/// Labels along the time axis: every 6 hours over a day, else every day, 5 days or 15 days
/// (at midnight UTC).
pub fn time_labels(from: DateTime<Utc>, to: DateTime<Utc>, days: u32) -> Vec<(f64, String)> {
    let (step, format) = match days {
        0..=1 => (TimeDelta::hours(6), "%H:%M"),
        2..=7 => (TimeDelta::days(1), "%b %-d"),
        8..=30 => (TimeDelta::days(5), "%b %-d"),
        _ => (TimeDelta::days(15), "%b %-d"),
    };
    let Ok(mut at) = from.duration_trunc(step) else {
        return Vec::new();
    };
    if at < from {
        at += step;
    }
    let mut labels = Vec::new();
    while at <= to {
        labels.push((hours_since(from, at), at.format(format).to_string()));
        at += step;
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_is_labelled_every_six_hours() {
        let labels = time_labels(at("2026-11-25T11:00:00Z"), at("2026-11-26T10:30:00Z"), 1);
        let names: Vec<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(names, ["12:00", "18:00", "00:00", "06:00"]);
        assert_eq!(labels[0].0, 1.0);
    }

    #[test]
    fn a_week_is_labelled_at_each_midnight() {
        let labels = time_labels(at("2026-11-19T11:00:00Z"), at("2026-11-26T10:30:00Z"), 7);
        let names: Vec<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            names,
            ["Nov 20", "Nov 21", "Nov 22", "Nov 23", "Nov 24", "Nov 25", "Nov 26"]
        );
        assert_eq!(labels[0].0, 13.0);
    }
}

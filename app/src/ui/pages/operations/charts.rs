//! The operations charts: time on the x axis (hours since the period's start, labelled with
//! times or dates), counts on the y axis.

use crate::ui::chart::{ChartSpec, Mark, Series, TickFormat};
use crate::views::operations::{ActivityHour, AnnotatorThroughput, Operations, QueuePoint};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Dates labelled under a day chart at most.
const MAX_DATE_LABELS: usize = 8;
/// The lowest top of a count axis: 0–5 in whole steps.
const COUNTS_TOP: f64 = 5.0;
/// Annotators drawn in the throughput chart (the table lists everyone).
const MAX_ANNOTATOR_LINES: usize = 6;

/// Queue depth per waiting state over time.
pub fn queue(figures: &Operations) -> ChartSpec {
    let point = |value: fn(&QueuePoint) -> u64| {
        points(&figures.queue, |p| hours_since(figures.from, p.at), value)
    };
    time_chart(
        figures,
        "Items waiting, by state",
        "Items",
        COUNTS_TOP,
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
    let per_hour = |value: fn(&ActivityHour) -> u64| {
        points(&figures.hours, |h| hours_since(figures.from, h.hour), value)
    };
    time_chart(
        figures,
        "Items per hour",
        "Items per hour",
        COUNTS_TOP,
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
        .enumerate()
        .filter_map(|(i, d)| Some((i as f64, d.human_share?)))
        .collect();
    let mut spec = day_chart(
        figures,
        "Human share of decisions per day",
        "Decided by people",
        1.0,
        vec![bars(figures, "Human share", points)],
    );
    spec.y_range = (0.0, 1.0);
    spec.y_format = TickFormat::Percent;
    spec
}

/// Prompt and completion tokens per day.
pub fn tokens(figures: &Operations) -> ChartSpec {
    let per_day = |value: fn(&ActivityHour) -> u64| -> Vec<(f64, f64)> {
        let days = figures.days_totals.iter().enumerate();
        days.map(|(i, d)| (i as f64, value(&d.totals) as f64))
            .collect()
    };
    day_chart(
        figures,
        "Judge tokens per day",
        "Tokens",
        1000.0,
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
        .enumerate()
        .map(|(i, d)| (i as f64, d.totals.cost_usd))
        .collect();
    day_chart(
        figures,
        "Judge cost per day",
        "US dollars",
        0.01,
        vec![bars(figures, "Cost", points)],
    )
}

/// Answers and adjudications per day of the busiest annotators.
pub fn annotators(figures: &Operations, people: &[AnnotatorThroughput]) -> ChartSpec {
    let series = people
        .iter()
        .take(MAX_ANNOTATOR_LINES)
        .map(|person| {
            let points = person
                .per_day
                .iter()
                .enumerate()
                .map(|(i, count)| (i as f64, *count as f64))
                .collect();
            line(&person.name, points)
        })
        .collect();
    day_chart(figures, "Answers per day", "Answers", COUNTS_TOP, series)
}

/// One point per row: x and a count from the row.
fn points<T>(rows: &[T], x: impl Fn(&T) -> f64, y: impl Fn(&T) -> u64) -> Vec<(f64, f64)> {
    rows.iter().map(|row| (x(row), y(row) as f64)).collect()
}

fn line(name: &str, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.to_owned(),
        mark: Mark::Line,
        points,
    }
}

/// Bars one day wide (less a gap) on a [`day_chart`].
fn bars(figures: &Operations, name: &str, points: Vec<(f64, f64)>) -> Series {
    let days = figures.days_totals.len().max(1) as f64;
    Series {
        name: name.to_owned(),
        mark: Mark::Bars {
            width_permille: (700.0 / days) as u32,
        },
        points,
    }
}

/// A chart of the period's days: day `i` at x = i, labelled with dates (at most 8 of them).
fn day_chart(
    figures: &Operations,
    title: &str,
    y_label: &str,
    lowest_top: f64,
    series: Vec<Series>,
) -> ChartSpec {
    let days = figures.days_totals.len();
    let step = days.div_ceil(MAX_DATE_LABELS).max(1);
    let labels = figures
        .days_totals
        .iter()
        .enumerate()
        .filter(|(i, _)| (days - 1 - i).is_multiple_of(step))
        .map(|(i, d)| (i as f64, d.day.format("%b %-d").to_string()))
        .collect();
    let mut spec = time_chart(figures, title, y_label, lowest_top, series);
    spec.x_label = "Day (UTC)".to_owned();
    spec.x_range = (-0.5, days as f64 - 0.5);
    spec.x_labels = Some(labels);
    spec
}

/// A chart over the period, its y axis from 0 to a little above the highest point, and at
/// least to `lowest_top` (so that a quiet period does not draw fractions of an item).
fn time_chart(
    figures: &Operations,
    title: &str,
    y_label: &str,
    lowest_top: f64,
    series: Vec<Series>,
) -> ChartSpec {
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
        y_range: (0.0, (highest * 1.1).max(lowest_top)),
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

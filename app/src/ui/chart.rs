//! Small SVG charts drawn by the app (no chart library, no CDN): lines, points and bars on
//! linear axes with ticks and labels. Colours come from CSS classes (`chart-series-N`), so
//! charts follow the light and dark themes. Every chart on a page also has its numbers in a
//! table next to it; the SVG is `aria-hidden` and the table is what screen readers read.

use leptos::prelude::*;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Points joined by a line.
    Line,
    /// A dashed line, for references such as "perfect calibration".
    Dashed,
    /// A bar from the x axis up to each point, `width` wide in x units.
    Bars { width_permille: u32 },
}

/// One series: points in data units.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub mark: Mark,
    pub points: Vec<(f64, f64)>,
}

/// A chart's axes and series.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Formats tick values (e.g. as percentages).
    pub x_format: TickFormat,
    pub y_format: TickFormat,
    pub series: Vec<Series>,
    /// A vertical marker (e.g. the current threshold), with its label.
    pub marker: Option<(f64, String)>,
    /// Labels for the x axis at given positions (e.g. dates), instead of numeric ticks.
    pub x_labels: Option<Vec<(f64, String)>>,
}

/// How tick values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickFormat {
    Percent,
    Decimal,
    Integer,
    /// Counts and amounts of any size: 2.5k, 1.2M, 0.004.
    Compact,
}

impl TickFormat {
    fn format(self, value: f64) -> String {
        match self {
            TickFormat::Percent => format!("{:.0}%", value * 100.0),
            TickFormat::Decimal => format!("{value:.1}"),
            TickFormat::Integer => format!("{value:.0}"),
            TickFormat::Compact => compact(value),
        }
    }
}

/// `value` in a few characters: thousands as k, millions as M, small amounts to their first
/// significant digit or two.
fn compact(value: f64) -> String {
    let trim = |text: String| {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    };
    let magnitude = value.abs();
    if magnitude == 0.0 || !magnitude.is_finite() {
        "0".to_owned()
    } else if magnitude >= 1e6 {
        trim(format!("{:.1}", value / 1e6)) + "M"
    } else if magnitude >= 1e3 {
        trim(format!("{:.1}", value / 1e3)) + "k"
    } else if magnitude >= 1.0 {
        trim(format!("{value:.1}"))
    } else {
        let decimals = (-magnitude.log10()).floor() as usize + 2;
        trim(format!("{value:.decimals$}"))
    }
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;
/// At most this many intervals between ticks.
const MAX_TICKS: f64 = 6.0;
/// Lines with more points than this are drawn without a dot on each point.
const MAX_DOTTED_POINTS: usize = 60;

/// Maps data units to SVG units.
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        let span = (self.x.1 - self.x.0).max(f64::EPSILON);
        LEFT + (x - self.x.0) / span * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        let span = (self.y.1 - self.y.0).max(f64::EPSILON);
        HEIGHT - BOTTOM - (y - self.y.0) / span * (HEIGHT - TOP - BOTTOM)
    }
}

/// Tick values at a round step (1, 2, 2.5 or 5 times a power of ten) inside `range`.
fn ticks(range: (f64, f64)) -> Vec<f64> {
    let span = range.1 - range.0;
    if span <= 0.0 || !span.is_finite() {
        return vec![range.0];
    }
    let magnitude = 10f64.powf((span / MAX_TICKS).log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| span / step <= MAX_TICKS)
        .unwrap_or(10.0 * magnitude);
    let first = (range.0 / step - 1e-9).ceil() as i64;
    let last = (range.1 / step + 1e-9).floor() as i64;
    // Rounded so 3 × 0.2 reads 0.6, not 0.6000000000000001.
    (first..=last)
        .map(|i| (i as f64 * step * 1e9).round() / 1e9)
        .collect()
}

/// The SVG path of a polyline through `points`.
fn line_path(frame: &Frame, points: &[(f64, f64)]) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let command = if i == 0 { 'M' } else { 'L' };
            format!("{command}{:.1},{:.1}", frame.px(*x), frame.py(*y))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Draws `spec`. The caption (the title) is visible; the drawing itself is hidden from screen
/// readers, which read the table that goes with it.
#[component]
pub fn Chart(spec: ChartSpec, #[prop(optional, into)] testid: String) -> impl IntoView {
    let frame = Frame {
        x: spec.x_range,
        y: spec.y_range,
    };
    let grid = ticks(spec.y_range)
        .into_iter()
        .map(|value| {
            let y = frame.py(value);
            view! {
                <line class="chart-grid" x1=LEFT y1=y x2=WIDTH - RIGHT y2=y/>
                <text class="chart-tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{spec.y_format.format(value)}</text>
            }
        })
        .collect_view();
    let x_labels = spec.x_labels.clone().unwrap_or_else(|| {
        ticks(spec.x_range)
            .into_iter()
            .map(|value| (value, spec.x_format.format(value)))
            .collect()
    });
    let x_ticks = x_labels
        .into_iter()
        .map(|(value, label)| {
            let x = frame.px(value);
            view! {
                <line class="chart-axis" x1=x y1=HEIGHT - BOTTOM x2=x y2=HEIGHT - BOTTOM + 4.0/>
                <text class="chart-tick" x=x y=HEIGHT - BOTTOM + 18.0 text-anchor="middle">{label}</text>
            }
        })
        .collect_view();
    let series = spec
        .series
        .iter()
        .enumerate()
        .map(|(index, series)| draw_series(&frame, index, series))
        .collect_view();
    let legend = spec
        .series
        .iter()
        .enumerate()
        .map(|(index, series)| {
            view! { <li><span class=format!("chart-key chart-series-{index}")></span>{series.name.clone()}</li> }
        })
        .collect_view();
    let marker = spec.marker.as_ref().map(|(value, label)| {
        let x = frame.px(*value);
        view! {
            <line class="chart-marker" x1=x y1=TOP x2=x y2=HEIGHT - BOTTOM/>
            <text class="chart-tick" x=x + 4.0 y=TOP + 10.0>{label.clone()}</text>
        }
    });
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{spec.title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-hidden="true" focusable="false">
                {grid}
                <line class="chart-axis" x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH - RIGHT y2=HEIGHT - BOTTOM/>
                <line class="chart-axis" x1=LEFT y1=TOP x2=LEFT y2=HEIGHT - BOTTOM/>
                {x_ticks}
                {series}
                {marker}
                <text class="chart-label" x=(LEFT + WIDTH - RIGHT) / 2.0 y=HEIGHT - 8.0 text-anchor="middle">{spec.x_label.clone()}</text>
                <text class="chart-label" x=14.0 y=(TOP + HEIGHT - BOTTOM) / 2.0 text-anchor="middle"
                    transform=format!("rotate(-90 14 {})", (TOP + HEIGHT - BOTTOM) / 2.0)>{spec.y_label.clone()}</text>
            </svg>
            <ul class="chart-legend">{legend}</ul>
        </figure>
    }
    .into_any()
}

fn draw_series(frame: &Frame, index: usize, series: &Series) -> AnyView {
    let class = format!("chart-series-{index}");
    match series.mark {
        Mark::Line | Mark::Dashed => {
            let dashed = matches!(series.mark, Mark::Dashed);
            let path = line_path(frame, &series.points);
            // Dots mark the points of short series; on long ones they would blur the line.
            let dots = (!dashed && series.points.len() <= MAX_DOTTED_POINTS).then(|| {
                series
                    .points
                    .iter()
                    .map(|(x, y)| view! { <circle class=class.clone() cx=frame.px(*x) cy=frame.py(*y) r="2.5"/> })
                    .collect_view()
            });
            view! {
                <path class=format!("{class} chart-line") class:chart-dashed=dashed d=path fill="none"/>
                {dots}
            }
            .into_any()
        }
        Mark::Bars { width_permille } => {
            let width = (frame.x.1 - frame.x.0) * f64::from(width_permille) / 1000.0;
            series
                .points
                .iter()
                .map(|(x, y)| {
                    let left = frame.px(*x - width / 2.0);
                    let right = frame.px(*x + width / 2.0);
                    let top = frame.py(*y);
                    let base = frame.py(frame.y.0.max(0.0));
                    view! {
                        <rect class=format!("{class} chart-bar") x=left y=top.min(base)
                            width=(right - left).max(1.0) height=(base - top).abs()/>
                    }
                })
                .collect_view()
                .into_any()
        }
    }
}

/// A dashed horizontal line at `y` across `x_range`, e.g. a target.
pub fn level_line(name: String, y: f64, x_range: (f64, f64)) -> Series {
    Series {
        name,
        mark: Mark::Dashed,
        points: vec![(x_range.0, y), (x_range.1, y)],
    }
}

/// The numbers behind a chart, folded away under "Numbers": the first column names the row,
/// the others are numbers. A link downloads them as `<testid>.csv` (built into the link, so it
/// works without a request and without JavaScript).
#[component]
pub fn NumbersTable(
    testid: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
) -> impl IntoView {
    let csv = csv_data_url(&headers, &rows);
    let head = headers
        .into_iter()
        .enumerate()
        .map(|(i, header)| {
            let numeric = i > 0;
            view! { <th scope="col" class:num=numeric>{header}</th> }
        })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    if i == 0 {
                        view! { <th scope="row">{cell}</th> }.into_any()
                    } else {
                        view! { <td class="num">{cell}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="chart-numbers">
            <details>
                <summary>"Numbers"</summary>
                <table class="table" data-testid=testid>
                    <thead><tr>{head}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </details>
            <a class="small" href=csv download=format!("{testid}.csv") data-testid=format!("{testid}-csv")>
                "Download CSV"
            </a>
        </div>
    }
    .into_any()
}

/// Column headers for [`NumbersTable`].
pub fn column_names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The table as CSV (RFC 4180: fields with commas, quotes or line breaks are quoted, quotes
/// doubled; CRLF line ends).
pub fn csv_text(headers: &[String], rows: &[Vec<String>]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    }
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    let mut text = line(headers.iter().map(|h| field(h)).collect());
    for row in rows {
        text.push_str(&line(row.iter().map(|cell| field(cell)).collect()));
    }
    text
}

/// A `data:` URL of the table as CSV, percent-encoded.
pub fn csv_data_url(headers: &[String], rows: &[Vec<String>]) -> String {
    let text = csv_text(headers, rows);
    let mut url = String::with_capacity(text.len() + 32);
    url.push_str("data:text/csv;charset=utf-8,");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~,:".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_maps_the_ranges_onto_the_plot_area() {
        let frame = Frame {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        };
        assert_eq!(frame.px(0.0), LEFT);
        assert_eq!(frame.px(1.0), WIDTH - RIGHT);
        assert_eq!(frame.py(0.0), HEIGHT - BOTTOM);
        assert_eq!(frame.py(1.0), TOP);
    }

    #[test]
    fn a_line_path_moves_then_draws() {
        let frame = Frame {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        };
        let path = line_path(&frame, &[(0.0, 0.0), (1.0, 1.0)]);
        assert_eq!(
            path,
            format!(
                "M{LEFT:.1},{:.1} L{:.1},{TOP:.1}",
                HEIGHT - BOTTOM,
                WIDTH - RIGHT
            )
        );
    }

    #[test]
    fn compact_ticks_stay_short_at_any_size() {
        let ticks: Vec<String> = [0.0, 0.004, 0.25, 2.0, 12.5, 2500.0, 1_200_000.0]
            .into_iter()
            .map(compact)
            .collect();
        assert_eq!(ticks, ["0", "0.004", "0.25", "2", "12.5", "2.5k", "1.2M"]);
    }

    #[test]
    fn numbers_become_csv_with_quoting_where_needed() {
        let rows = vec![
            vec!["2026-11-26".to_owned(), "12".to_owned()],
            vec!["a, \"b\"".to_owned(), "50%".to_owned()],
        ];
        assert_eq!(
            csv_text(&column_names(&["Day", "Items"]), &rows),
            "Day,Items\r\n2026-11-26,12\r\n\"a, \"\"b\"\"\",50%\r\n"
        );
        assert_eq!(
            csv_data_url(
                &column_names(&["Day", "Share (%)"]),
                &[vec!["Nov 26".to_owned(), "50%".to_owned()]]
            ),
            "data:text/csv;charset=utf-8,Day,Share%20%28%25%29%0D%0ANov%2026,50%25%0D%0A"
        );
    }

    #[test]
    fn ticks_fall_on_round_steps_inside_the_range() {
        assert_eq!(ticks((0.0, 1.0)), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks((0.2, 1.0)), vec![0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks((0.0, 4.0)), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            ticks((0.0, 30.0)),
            vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
        );
    }
}

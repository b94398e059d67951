//! Drawing the terminal UI from the [`App`] state: a header with the tabs and the listening
//! addresses, one view per tab (trace list or waterfall with span details, logs, metrics,
//! service map) and a footer with the keys and the store's counters. Drawing only: nothing
//! here changes what is selected or reads the store.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span as Text};
use ratatui::widgets::{
    Axis, Bar, BarChart, Block, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table,
    Tabs, Wrap,
};
use ratatui::Frame;

use otlp::model::{LogRecord, MetricValue, Span, StatusCode};

use super::app::{App, Tab, TraceView};
use super::data;

const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
const HEADER: Style = Style::new().add_modifier(Modifier::BOLD);
const ERROR: Style = Style::new().fg(Color::Red);
const DIM: Style = Style::new().fg(Color::DarkGray);

pub(crate) fn render(frame: &mut Frame, app: &mut App) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(frame, app, header);
    match app.tab {
        Tab::Traces if app.open.is_some() => render_trace(frame, app, body),
        Tab::Traces => render_traces(frame, app, body),
        Tab::Logs => render_logs(frame, app, body),
        Tab::Metrics => render_metrics(frame, app, body),
        Tab::Services => render_services(frame, app, body),
    }
    render_footer(frame, app, footer);
    if app.show_help {
        render_help(frame, body);
    }
}

/// The colours spans and services are drawn in; red is kept for errors.
const SERVICE_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::LightCyan,
];

/// A service's colour: the same for a name in every view and every run (FNV-1a of the name).
fn service_color(service: &str) -> Color {
    let hash = service
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    SERVICE_COLORS[(hash % SERVICE_COLORS.len() as u64) as usize]
}

const HELP: &[(&str, &str)] = &[
    (
        "Tab / Shift-Tab, 1-4",
        "switch view: Traces, Logs, Metrics, Services",
    ),
    ("↑↓ j k, PgUp PgDn", "move (the mouse wheel too)"),
    ("Home End, g G", "first, last"),
    (
        "Enter",
        "open the trace (from a log: its trace, at its span)",
    ),
    ("/", "filter traces (name, service, attribute) or logs"),
    ("s", "trace order: newest, slowest, errors first"),
    ("← → h l, Space", "in a trace: fold, unfold, toggle"),
    ("d", "in a trace: show or hide the span details"),
    ("t", "in a trace: logs of the span or of the whole trace"),
    ("J K", "in a trace: scroll the details"),
    ("Esc", "back to the list, clear a filter"),
    ("?", "this help (any key closes it)"),
    ("q, Ctrl-C", "quit"),
];

fn render_help(frame: &mut Frame, area: Rect) {
    let key_width = HELP
        .iter()
        .map(|(key, _)| key.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Text::styled(format!("{key:key_width$}  "), HEADER),
                Text::raw(*what),
            ])
        })
        .collect();
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(HELP.len() as u16 + 2)])
        .flex(Flex::Center)
        .areas(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" keys ")),
        popup,
    );
}

fn render_header(frame: &mut Frame, app: &App, area: Rect) {
    let counts = [
        app.traces.len(),
        app.logs.len(),
        app.metrics.len(),
        app.services.len(),
    ];
    let titles = Tab::ALL
        .iter()
        .zip(counts)
        .map(|(tab, count)| format!("{} {count}", tab.title()));
    let selected = Tab::ALL.iter().position(|tab| *tab == app.tab);
    let listening = app.listening.as_str();
    let [tabs, address] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(listening.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(SELECTED)
            .divider("│"),
        tabs,
    );
    frame.render_widget(Paragraph::new(listening).style(DIM), address);
}

fn render_footer(frame: &mut Frame, app: &App, area: Rect) {
    let keys = if app.editing_filter {
        "type to filter · Enter keep · Esc clear".to_owned()
    } else {
        match app.tab {
            Tab::Traces if app.open.is_some() => {
                "↑↓ span · ←→ fold · d details · t logs · Esc back · ? help".to_owned()
            }
            Tab::Traces => format!(
                "↑↓ select · Enter open · / filter · s sort ({}) · ? help",
                app.trace_sort.name()
            ),
            Tab::Logs => "↑↓ select · Enter open trace · / filter · ? help".to_owned(),
            Tab::Metrics | Tab::Services => "↑↓ select · Tab view · ? help · q quit".to_owned(),
        }
    };
    let filter = match app.tab {
        Tab::Traces if app.open.is_none() => app.trace_filter.as_str(),
        Tab::Logs => app.log_filter.as_str(),
        _ => "",
    };
    let mut left = Vec::new();
    if app.editing_filter || !filter.is_empty() {
        left.push(Text::styled(
            format!("/{filter}{} ", if app.editing_filter { "█" } else { "" }),
            HEADER,
        ));
    }
    left.push(Text::styled(keys, DIM));
    let stats = stats_text(app);
    let [keys_area, stats_area] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(stats.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), keys_area);
    frame.render_widget(Paragraph::new(stats), stats_area);
}

/// `4 spans · 2 logs · 1 rejected · …`: what the store holds and what it let go.
fn stats_text(app: &App) -> String {
    let stats = &app.stats;
    let mut parts = vec![format!("{} spans", stats.spans)];
    for (count, what) in [
        (stats.rejected_items, "rejected"),
        (stats.refused_requests, "refused requests"),
        (stats.evicted_traces, "traces evicted"),
        (stats.evicted_logs, "logs evicted"),
        (stats.evicted_metric_points, "points evicted"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {what}"));
        }
    }
    parts.join(" · ")
}

fn waiting(frame: &mut Frame, app: &App, area: Rect, what: &str) {
    let text = format!(
        "No {what} yet. Point an exporter at this viewer, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://{}",
        app.listening.rsplit(' ').next().unwrap_or_default()
    );
    frame.render_widget(
        Paragraph::new(text).style(DIM).wrap(Wrap { trim: true }),
        area,
    );
}

fn render_traces(frame: &mut Frame, app: &mut App, area: Rect) {
    if app.traces.is_empty() {
        return waiting(
            frame,
            app,
            area,
            if app.trace_filter.is_empty() {
                "traces"
            } else {
                "matching traces"
            },
        );
    }
    let rows = app.traces.iter().map(|trace| {
        let root = trace
            .root
            .as_ref()
            .map_or("(root not received)", |root| root.name.as_str());
        Row::new([
            data::clock(trace.start_unix_nanos),
            data::duration(i64::try_from(trace.duration_nanos()).unwrap_or(i64::MAX)),
            trace.span_count.to_string(),
            trace.services.join(","),
            format!("{}{root}", if trace.has_error { "! " } else { "" }),
        ])
        .style(if trace.has_error { ERROR } else { Style::new() })
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Percentage(25),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["START UTC", "DURATION", "SPANS", "SERVICES", "ROOT SPAN"]).style(HEADER))
    .row_highlight_style(SELECTED);
    frame.render_stateful_widget(table, area, &mut app.trace_table);
}

fn render_trace(frame: &mut Frame, app: &mut App, area: Rect) {
    let Some(view) = &mut app.open else { return };
    let [waterfall, details] = if view.show_details {
        Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(area)
    } else {
        Layout::vertical([Constraint::Fill(1), Constraint::Length(0)]).areas(area)
    };
    let total = view.end_unix_nanos.saturating_sub(view.start_unix_nanos);
    let title = format!(
        " trace {} · {} spans · {} ",
        view.trace_id,
        view.span_count,
        data::duration(i64::try_from(total).unwrap_or(i64::MAX))
    );
    let block = Block::bordered().title(title);
    let bar_width = (block.inner(waterfall).width / 3).max(10);
    let rows = view.rows.iter().map(|row| {
        let marker = match (row.has_children, row.collapsed) {
            (false, _) => "  ",
            (true, false) => "▾ ",
            (true, true) => "▸ ",
        };
        let span = &row.span;
        let failed = span.status.code == StatusCode::Error;
        let service = data::service(&span.resource);
        let color = service_color(service);
        let (name_style, bar_style) = if failed {
            (ERROR, ERROR)
        } else {
            (Style::new(), Style::new().fg(color))
        };
        Row::new([
            Cell::from(format!(
                "{}{marker}{}{}",
                "  ".repeat(row.depth),
                if failed { "! " } else { "" },
                span.name
            ))
            .style(name_style),
            Cell::from(service.to_owned()).style(Style::new().fg(color)),
            Cell::from(data::duration(span.duration_nanos())).style(name_style),
            Cell::from(timeline(span, view.start_unix_nanos, total, bar_width)).style(bar_style),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(bar_width),
        ],
    )
    .header(
        Row::new([
            "SPAN".to_owned(),
            "SERVICE".to_owned(),
            "DURATION".to_owned(),
            time_axis(total, bar_width),
        ])
        .style(HEADER),
    )
    .row_highlight_style(SELECTED)
    .block(block);
    frame.render_stateful_widget(table, waterfall, &mut view.table);
    if view.show_details {
        render_details(frame, view, details);
    }
}

/// The timeline column's heading: the shared time axis, `0` at the trace's start, its
/// middle and its end, `width` cells wide.
fn time_axis(total: u64, width: u16) -> String {
    let width = usize::from(width);
    let label = |nanos: u64| data::duration(i64::try_from(nanos).unwrap_or(i64::MAX));
    let (start, middle, end) = ("0".to_owned(), label(total / 2), label(total));
    let mut axis: Vec<char> = vec![' '; width];
    let mut put = |at: usize, text: &str| {
        for (offset, c) in text.chars().enumerate() {
            if let Some(cell) = axis.get_mut(at + offset) {
                *cell = c;
            }
        }
    };
    put(0, &start);
    let middle_at = (width / 2).saturating_sub(middle.chars().count() / 2);
    if middle_at > start.len() + 1
        && middle_at + middle.chars().count() + 1 < width.saturating_sub(end.chars().count())
    {
        put(middle_at, &middle);
    }
    put(width.saturating_sub(end.chars().count()), &end);
    axis.into_iter().collect()
}

/// The span's place in the trace as a bar `width` cells wide (at least one cell).
fn timeline(span: &Span, trace_start: u64, total: u64, width: u16) -> String {
    let width = u64::from(width);
    let scale = |nanos: u64| {
        if total == 0 {
            0
        } else {
            (u128::from(nanos) * u128::from(width) / u128::from(total)) as u64
        }
    };
    let offset = scale(span.start_unix_nanos.saturating_sub(trace_start)).min(width - 1);
    let length =
        scale(span.end_unix_nanos.saturating_sub(span.start_unix_nanos)).clamp(1, width - offset);
    format!(
        "{}{}",
        " ".repeat(offset as usize),
        "█".repeat(length as usize)
    )
}

fn render_details(frame: &mut Frame, view: &TraceView, area: Rect) {
    let block = Block::bordered().title(" span ");
    let Some(row) = view.selected() else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let span = &row.span;
    let mut lines = Vec::new();
    let status = match span.status.code {
        StatusCode::Error => Text::styled(format!("error {}", span.status.message), ERROR),
        code => Text::raw(format!("{} {}", code.name(), span.status.message)),
    };
    lines.push(Line::from(vec![
        Text::styled(span.name.clone(), HEADER),
        Text::raw(format!(
            "  {}  {}  ",
            span.kind.name(),
            data::duration(span.duration_nanos())
        )),
        status,
    ]));
    lines.push(Line::styled(
        format!(
            "span {}  parent {}  at +{}",
            span.span_id,
            span.parent_span_id
                .map_or("none".to_owned(), |id| id.to_string()),
            data::duration(
                i64::try_from(span.start_unix_nanos.saturating_sub(view.start_unix_nanos))
                    .unwrap_or(i64::MAX)
            )
        ),
        DIM,
    ));
    section(
        &mut lines,
        "attributes",
        span.attributes
            .iter()
            .map(|(key, value)| format!("{key} = {}", data::value_text(value))),
    );
    section(
        &mut lines,
        "events",
        span.events.iter().map(|event| {
            let at = i64::try_from(event.time_unix_nanos.saturating_sub(span.start_unix_nanos))
                .unwrap_or(i64::MAX);
            format!(
                "+{} {}  {}",
                data::duration(at),
                event.name,
                data::attributes_text(&event.attributes)
            )
        }),
    );
    section(
        &mut lines,
        "links",
        span.links.iter().map(|link| {
            format!(
                "{}/{}  {}",
                link.trace_id,
                link.span_id,
                data::attributes_text(&link.attributes)
            )
        }),
    );
    section(
        &mut lines,
        if view.trace_logs {
            "logs of the trace"
        } else {
            "logs"
        },
        view.logs
            .iter()
            .filter(|record| view.trace_logs || record.span_id == Some(span.span_id))
            .map(|record| {
                format!(
                    "{} {} {}",
                    record
                        .time_unix_nanos
                        .or(record.observed_time_unix_nanos)
                        .map_or("--:--:--.---".to_owned(), data::clock),
                    data::severity(record),
                    data::value_text(&record.body)
                )
            }),
    );
    section(
        &mut lines,
        "resource",
        span.resource
            .attributes
            .iter()
            .map(|(key, value)| format!("{key} = {}", data::value_text(value))),
    );
    lines.push(Line::styled(
        format!("scope {} {}", span.scope.name, span.scope.version)
            .trim_end()
            .to_owned(),
        DIM,
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((view.detail_scroll, 0)),
        area,
    );
}

/// A heading and its indented items; nothing when there are no items.
fn section(lines: &mut Vec<Line<'static>>, title: &str, items: impl Iterator<Item = String>) {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return;
    }
    lines.push(Line::styled(title.to_owned(), HEADER));
    lines.extend(items.map(|item| Line::raw(format!("  {item}"))));
}

fn render_logs(frame: &mut Frame, app: &mut App, area: Rect) {
    if app.logs.is_empty() {
        return waiting(
            frame,
            app,
            area,
            if app.log_filter.is_empty() {
                "logs"
            } else {
                "matching logs"
            },
        );
    }
    let rows = app.logs.iter().map(|record| {
        let style = severity_style(record);
        Row::new([
            record
                .time_unix_nanos
                .or(record.observed_time_unix_nanos)
                .map_or("--:--:--.---".to_owned(), data::clock),
            data::severity(record),
            data::service(&record.resource).to_owned(),
            record
                .trace_id
                .map_or(String::new(), |id| id.to_string()[..8].to_owned()),
            data::value_text(&record.body),
        ])
        .style(style)
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["TIME UTC", "SEVERITY", "SERVICE", "TRACE", "BODY"]).style(HEADER))
    .row_highlight_style(SELECTED);
    frame.render_stateful_widget(table, area, &mut app.log_table);
}

/// Fatal magenta, error red, warn yellow, debug and trace dim, the rest plain.
fn severity_style(record: &LogRecord) -> Style {
    match record.severity_number {
        21.. => Style::new().fg(Color::Magenta),
        17..=20 => ERROR,
        13..=16 => Style::new().fg(Color::Yellow),
        1..=8 => DIM,
        _ => Style::new(),
    }
}

fn render_metrics(frame: &mut Frame, app: &mut App, area: Rect) {
    if app.metrics.is_empty() {
        return waiting(frame, app, area, "metrics");
    }
    let [list, chart] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Fill(1)]).areas(area);
    let rows = app.metrics.iter().map(|row| {
        let point = &row.point;
        Row::new([
            point.name.clone(),
            data::service(&point.resource).to_owned(),
            data::attributes_text(&point.attributes),
            match point.value.kind_name() {
                "exponential_histogram" => "exp hist".to_owned(),
                kind => kind.to_owned(),
            },
            data::metric_value_text(&point.value),
            point.unit.clone(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Percentage(28),
            Constraint::Length(12),
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Percentage(22),
            Constraint::Length(10),
        ],
    )
    .header(Row::new(["METRIC", "SERVICE", "ATTRIBUTES", "KIND", "LATEST", "UNIT"]).style(HEADER))
    .row_highlight_style(SELECTED);
    frame.render_stateful_widget(table, list, &mut app.metric_table);
    if let Some(row) = app
        .metric_table
        .selected()
        .and_then(|index| app.metrics.get(index))
    {
        render_metric_chart(frame, app, row, chart);
    }
}

/// The chart of the selected stream: its values over time for gauges and sums, the buckets
/// of its latest point for histograms, the quantiles for summaries.
fn render_metric_chart(frame: &mut Frame, app: &App, row: &data::MetricRow, area: Rect) {
    let point = &row.point;
    let unit = if point.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", point.unit)
    };
    let color = service_color(data::service(&point.resource));
    match &point.value {
        MetricValue::Gauge(_) | MetricValue::Sum { .. } => {
            let data::Series {
                first_unix_nanos: first_time,
                points: series,
            } = data::stream_series(&app.metric_points, row);
            let title = format!(" {}{unit} · {} points ", point.name, series.len());
            let x_max = series.last().map_or(0.0, |(x, _)| *x).max(1.0);
            let (low, high) = series
                .iter()
                .fold((f64::MAX, f64::MIN), |(low, high), (_, y)| {
                    (low.min(*y), high.max(*y))
                });
            let (low, high) = if low > high {
                (0.0, 1.0)
            } else if low == high {
                (low.min(0.0), high.max(low + 1.0))
            } else {
                (low.min(0.0), high)
            };
            let datasets = vec![Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(color))
                .data(&series)];
            let chart = Chart::new(datasets)
                .block(Block::bordered().title(title))
                .x_axis(
                    Axis::default()
                        .bounds([0.0, x_max])
                        .labels([
                            data::clock(first_time),
                            format!("+{}", data::duration((x_max * 1e9) as i64)),
                        ])
                        .style(DIM),
                )
                .y_axis(
                    Axis::default()
                        .bounds([low, high])
                        .labels([data::float_text(low), data::float_text(high)])
                        .style(DIM),
                );
            frame.render_widget(chart, area);
        }
        MetricValue::Histogram(_) | MetricValue::ExponentialHistogram(_) => {
            let buckets = data::histogram_buckets(&point.value);
            let title = format!(
                " {}{unit} · buckets of the latest point · {} ",
                point.name,
                data::metric_value_text(&point.value)
            );
            let bars: Vec<Bar> = buckets
                .into_iter()
                .map(|(label, count)| Bar::with_label(label, count).style(Style::new().fg(color)))
                .collect();
            let chart = BarChart::horizontal(bars)
                .bar_width(1)
                .bar_gap(0)
                .block(Block::bordered().title(title));
            frame.render_widget(chart, area);
        }
        MetricValue::Summary(summary) => {
            let lines: Vec<Line> = summary
                .quantiles
                .iter()
                .map(|q| {
                    Line::raw(format!(
                        "p{}  {}",
                        data::float_text(q.quantile * 100.0),
                        data::float_text(q.value)
                    ))
                })
                .collect();
            let title = format!(" {}{unit} · quantiles of the latest point ", point.name);
            frame.render_widget(
                Paragraph::new(lines).block(Block::bordered().title(title)),
                area,
            );
        }
    }
}

fn render_services(frame: &mut Frame, app: &mut App, area: Rect) {
    if app.services.is_empty() {
        return waiting(frame, app, area, "services");
    }
    let [map, side] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Percentage(40)]).areas(area);
    let lines: Vec<Line> = app
        .service_map
        .iter()
        .map(|line| {
            let node = app.services.iter().find(|node| node.name == line.service);
            let mut parts = vec![
                Text::styled(line.prefix.clone(), DIM),
                Text::styled(
                    line.service.clone(),
                    Style::new()
                        .fg(service_color(&line.service))
                        .add_modifier(Modifier::BOLD),
                ),
            ];
            match (&line.edge, node) {
                (Some(edge), _) => {
                    let average = i64::try_from(edge.total_nanos / edge.calls.max(1) as u64)
                        .unwrap_or(i64::MAX);
                    parts.push(Text::styled(
                        format!(
                            "  {} call{} · {}% errors · avg {}",
                            edge.calls,
                            if edge.calls == 1 { "" } else { "s" },
                            edge.errors * 100 / edge.calls.max(1),
                            data::duration(average)
                        ),
                        if edge.errors > 0 { ERROR } else { Style::new() },
                    ));
                }
                (None, Some(node)) => parts.push(Text::styled(
                    format!(
                        "  {} span{} · {} error{}",
                        node.spans,
                        if node.spans == 1 { "" } else { "s" },
                        node.errors,
                        if node.errors == 1 { "" } else { "s" }
                    ),
                    if node.errors > 0 { ERROR } else { DIM },
                )),
                (None, None) => {}
            }
            if line.repeated {
                parts.push(Text::styled(" ↺", DIM));
            }
            Line::from(parts)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" service map: who calls whom ")),
        map,
    );
    let rows = app.services.iter().map(|node| {
        Row::new([
            Cell::from(node.name.clone()).style(Style::new().fg(service_color(&node.name))),
            Cell::from(node.spans.to_string()),
            Cell::from(node.errors.to_string()),
        ])
        .style(if node.errors > 0 { ERROR } else { Style::new() })
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(["SERVICE", "SPANS", "ERRORS"]).style(HEADER))
    .block(Block::bordered().title(" services "));
    frame.render_widget(table, side);
}

#[cfg(test)]
mod tests;

//! The terminal UI's state and what keys do to it. It reads the store when the store has
//! changed ([`App::refresh`]) and keeps the selection on the same trace, span or row while
//! data arrives. Drawing is `ui`'s job; the loop is `mod.rs`'s.

use std::collections::HashSet;
use std::sync::Arc;

use otlp::model::{LogRecord, MetricPoint, SpanId, TraceId, Value};
use otlp::{Store, StoreSnapshot, StoreStats, TraceSummary};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use ratatui::widgets::TableState;

use super::data::{self, MapLine, MetricRow, ServiceEdge, ServiceNode, SpanRow};

/// The four views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Traces,
    Logs,
    Metrics,
    Services,
}

impl Tab {
    pub(crate) const ALL: [Tab; 4] = [Tab::Traces, Tab::Logs, Tab::Metrics, Tab::Services];

    pub(crate) fn title(self) -> &'static str {
        match self {
            Tab::Traces => "Traces",
            Tab::Logs => "Logs",
            Tab::Metrics => "Metrics",
            Tab::Services => "Services",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|tab| *tab == self).unwrap_or(0)
    }
}

/// The order of the trace list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TraceSort {
    Newest,
    Slowest,
    Errors,
}

impl TraceSort {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TraceSort::Newest => "newest",
            TraceSort::Slowest => "slowest",
            TraceSort::Errors => "errors first",
        }
    }

    fn next(self) -> Self {
        match self {
            TraceSort::Newest => TraceSort::Slowest,
            TraceSort::Slowest => TraceSort::Errors,
            TraceSort::Errors => TraceSort::Newest,
        }
    }
}

/// What the loop should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Quit,
}

/// One open trace: its waterfall and the details of the selected span.
pub(crate) struct TraceView {
    pub(crate) trace_id: TraceId,
    /// All the trace's spans, shown or folded away.
    pub(crate) span_count: usize,
    pub(crate) rows: Vec<SpanRow>,
    pub(crate) table: TableState,
    pub(crate) collapsed: HashSet<SpanId>,
    /// The trace's log records, in arrival order.
    pub(crate) logs: Vec<Arc<LogRecord>>,
    pub(crate) start_unix_nanos: u64,
    pub(crate) end_unix_nanos: u64,
    pub(crate) detail_scroll: u16,
    /// The details pane is shown (`d` hides it for a full-height waterfall).
    pub(crate) show_details: bool,
    /// The details pane lists the logs of the whole trace rather than of the selected span (`t`).
    pub(crate) trace_logs: bool,
}

impl TraceView {
    pub(crate) fn selected(&self) -> Option<&SpanRow> {
        self.table.selected().and_then(|index| self.rows.get(index))
    }
}

pub(crate) struct App {
    pub(crate) tab: Tab,
    /// Where the receiver listens, for the header.
    pub(crate) listening: String,
    pub(crate) stats: StoreStats,
    /// The trace list after filter and sort.
    pub(crate) traces: Vec<TraceSummary>,
    pub(crate) trace_table: TableState,
    pub(crate) trace_sort: TraceSort,
    pub(crate) trace_filter: String,
    pub(crate) open: Option<TraceView>,
    /// The log list after filter, oldest first.
    pub(crate) logs: Vec<Arc<LogRecord>>,
    pub(crate) log_table: TableState,
    pub(crate) log_filter: String,
    pub(crate) metrics: Vec<MetricRow>,
    pub(crate) metric_table: TableState,
    /// Every stored metric point, for the chart of the selected stream.
    pub(crate) metric_points: Vec<Arc<MetricPoint>>,
    pub(crate) services: Vec<ServiceNode>,
    pub(crate) calls: Vec<ServiceEdge>,
    /// The drawn service map, one line per service reached.
    pub(crate) service_map: Vec<MapLine>,
    pub(crate) call_table: TableState,
    /// True while typing a filter (for the trace or log list).
    pub(crate) editing_filter: bool,
    /// The key help is shown over the current view (`?`).
    pub(crate) show_help: bool,
    seen_version: Option<u64>,
}

impl App {
    pub(crate) fn new(listening: String) -> App {
        App {
            tab: Tab::Traces,
            listening,
            stats: StoreStats::default(),
            traces: Vec::new(),
            trace_table: TableState::default(),
            trace_sort: TraceSort::Newest,
            trace_filter: String::new(),
            open: None,
            logs: Vec::new(),
            log_table: TableState::default(),
            log_filter: String::new(),
            metrics: Vec::new(),
            metric_table: TableState::default(),
            metric_points: Vec::new(),
            services: Vec::new(),
            calls: Vec::new(),
            service_map: Vec::new(),
            call_table: TableState::default(),
            editing_filter: false,
            show_help: false,
            seen_version: None,
        }
    }

    /// Re-reads the store if it changed since the last call.
    pub(crate) fn refresh(&mut self, store: &Store) {
        let version = store.version();
        if self.seen_version == Some(version) {
            return;
        }
        self.seen_version = Some(version);
        self.reload(store);
    }

    /// Re-reads everything, keeping each selection on the item it was on.
    fn reload(&mut self, store: &Store) {
        // Copy out under the store's read lock, which holds up the receiver's insertions;
        // derive (trees, service map, metric streams) after releasing it.
        let (stats, mut traces, all_logs, open_spans, metric_points, all_spans) = {
            let snapshot = store.snapshot();
            let filter = self.trace_filter.to_lowercase();
            let traces: Vec<TraceSummary> = snapshot
                .traces()
                .into_iter()
                .filter(|trace| trace_matches(trace, &filter, &snapshot))
                .collect();
            (
                snapshot.stats(),
                traces,
                snapshot.logs(),
                self.open
                    .as_ref()
                    .map(|view| snapshot.spans_of_trace(view.trace_id)),
                snapshot.metric_points(),
                snapshot.spans(),
            )
        };
        self.stats = stats;

        let selected_trace = self.selected_trace_id();
        match self.trace_sort {
            TraceSort::Newest => {
                traces.sort_by_key(|trace| std::cmp::Reverse(trace.start_unix_nanos))
            }
            TraceSort::Slowest => {
                traces.sort_by_key(|trace| std::cmp::Reverse(trace.duration_nanos()))
            }
            TraceSort::Errors => traces.sort_by(|a, b| {
                b.has_error
                    .cmp(&a.has_error)
                    .then_with(|| b.start_unix_nanos.cmp(&a.start_unix_nanos))
            }),
        }
        self.traces = traces;
        let index =
            selected_trace.and_then(|id| self.traces.iter().position(|trace| trace.trace_id == id));
        select(&mut self.trace_table, index, self.traces.len());

        if let Some(view) = &mut self.open {
            let selected_span = view.selected().map(|row| row.span.span_id);
            let spans = open_spans.unwrap_or_default();
            view.span_count = spans.len();
            view.rows = data::span_tree(&spans, &view.collapsed);
            view.start_unix_nanos = spans
                .iter()
                .map(|span| span.start_unix_nanos)
                .min()
                .unwrap_or_default();
            view.end_unix_nanos = spans
                .iter()
                .map(|span| span.end_unix_nanos)
                .max()
                .unwrap_or_default();
            view.logs = all_logs
                .iter()
                .filter(|record| record.trace_id == Some(view.trace_id))
                .cloned()
                .collect();
            let index = selected_span
                .and_then(|id| view.rows.iter().position(|row| row.span.span_id == id));
            select(&mut view.table, index, view.rows.len());
        }

        let filter = self.log_filter.to_lowercase();
        let follow = self
            .log_table
            .selected()
            .is_none_or(|index| index + 1 >= self.logs.len());
        self.logs = all_logs
            .into_iter()
            .filter(|record| log_matches(record, &filter))
            .collect();
        // The log list follows new records while the selection is on the last one.
        let last = self.logs.len().checked_sub(1);
        let index = if follow {
            last
        } else {
            self.log_table.selected()
        };
        select(&mut self.log_table, index, self.logs.len());

        let selected_metric = self.metric_table.selected();
        self.metric_points = metric_points;
        self.metrics = data::latest_metrics(&self.metric_points);
        select(&mut self.metric_table, selected_metric, self.metrics.len());

        let (services, calls) = data::service_map(&all_spans);
        self.service_map = data::service_tree(&services, &calls);
        self.services = services;
        self.calls = calls;
        let selected_call = self.call_table.selected();
        select(&mut self.call_table, selected_call, self.calls.len());
    }

    fn selected_trace_id(&self) -> Option<TraceId> {
        self.trace_table
            .selected()
            .and_then(|index| self.traces.get(index))
            .map(|trace| trace.trace_id)
    }

    /// Applies one key; the store is needed when a key changes what is shown.
    pub(crate) fn on_key(&mut self, key: KeyEvent, store: &Store) -> Flow {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Flow::Quit;
        }
        if self.editing_filter {
            self.edit_filter(key.code, store);
            return Flow::Continue;
        }
        if self.show_help {
            // Any key closes the help; `q` still quits.
            self.show_help = false;
            return if key.code == KeyCode::Char('q') {
                Flow::Quit
            } else {
                Flow::Continue
            };
        }
        if key.code == KeyCode::Char('?') {
            self.show_help = true;
            return Flow::Continue;
        }
        if self.tab == Tab::Traces {
            if let Some(view) = &mut self.open {
                match key.code {
                    KeyCode::Esc | KeyCode::Backspace => {
                        self.open = None;
                        return Flow::Continue;
                    }
                    // Quitting and switching tabs work here as everywhere.
                    KeyCode::Char('q' | '1'..='4') | KeyCode::Tab | KeyCode::BackTab => {}
                    code => {
                        if trace_view_key(view, code) {
                            self.reload(store);
                        }
                        return Flow::Continue;
                    }
                }
            }
        }
        match key.code {
            KeyCode::Char('q') => return Flow::Quit,
            KeyCode::Tab => self.tab = Tab::ALL[(self.tab.index() + 1) % Tab::ALL.len()],
            KeyCode::BackTab => {
                self.tab = Tab::ALL[(self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
            }
            KeyCode::Char(digit @ '1'..='4') => {
                self.tab = Tab::ALL[usize::from(digit as u8 - b'1')]
            }
            KeyCode::Char('/') if matches!(self.tab, Tab::Traces | Tab::Logs) => {
                self.editing_filter = true
            }
            KeyCode::Char('s') if self.tab == Tab::Traces => {
                self.trace_sort = self.trace_sort.next();
                self.reload(store);
            }
            KeyCode::Enter => self.open_selected(store),
            code => {
                let (table, len) = self.current_table();
                move_selection(table, code, len);
            }
        }
        Flow::Continue
    }

    /// Mouse wheel: moves the selection of the current list (or waterfall) by one row.
    pub(crate) fn on_mouse(&mut self, kind: MouseEventKind) {
        let code = match kind {
            MouseEventKind::ScrollDown => KeyCode::Down,
            MouseEventKind::ScrollUp => KeyCode::Up,
            _ => return,
        };
        if self.show_help || self.editing_filter {
            return;
        }
        if let (Tab::Traces, Some(view)) = (self.tab, &mut self.open) {
            if move_selection(&mut view.table, code, view.rows.len()) {
                view.detail_scroll = 0;
            }
            return;
        }
        let (table, len) = self.current_table();
        move_selection(table, code, len);
    }

    fn current_table(&mut self) -> (&mut TableState, usize) {
        match self.tab {
            Tab::Traces => (&mut self.trace_table, self.traces.len()),
            Tab::Logs => (&mut self.log_table, self.logs.len()),
            Tab::Metrics => (&mut self.metric_table, self.metrics.len()),
            Tab::Services => (&mut self.call_table, self.calls.len()),
        }
    }

    fn edit_filter(&mut self, code: KeyCode, store: &Store) {
        let filter = match self.tab {
            Tab::Logs => &mut self.log_filter,
            _ => &mut self.trace_filter,
        };
        match code {
            KeyCode::Enter => self.editing_filter = false,
            KeyCode::Esc => {
                filter.clear();
                self.editing_filter = false;
            }
            KeyCode::Backspace => {
                filter.pop();
            }
            KeyCode::Char(c) => filter.push(c),
            _ => return,
        }
        self.reload(store);
    }

    /// Enter: opens the selected trace, or the trace of the selected log record.
    fn open_selected(&mut self, store: &Store) {
        let (trace_id, span_id) = match self.tab {
            Tab::Traces => (self.selected_trace_id(), None),
            Tab::Logs => {
                let record = self
                    .log_table
                    .selected()
                    .and_then(|index| self.logs.get(index));
                (
                    record.and_then(|record| record.trace_id),
                    record.and_then(|record| record.span_id),
                )
            }
            Tab::Metrics | Tab::Services => (None, None),
        };
        let Some(trace_id) = trace_id else { return };
        self.tab = Tab::Traces;
        self.open = Some(TraceView {
            trace_id,
            span_count: 0,
            rows: Vec::new(),
            table: TableState::default(),
            collapsed: HashSet::new(),
            logs: Vec::new(),
            start_unix_nanos: 0,
            end_unix_nanos: 0,
            detail_scroll: 0,
            show_details: true,
            trace_logs: false,
        });
        self.reload(store);
        if let Some(view) = &mut self.open {
            let at_span =
                span_id.and_then(|id| view.rows.iter().position(|row| row.span.span_id == id));
            select(&mut view.table, at_span.or(Some(0)), view.rows.len());
        }
    }
}

/// Keys of the waterfall; true when the tree changed shape.
fn trace_view_key(view: &mut TraceView, code: KeyCode) -> bool {
    let Some(row) = view.selected().cloned() else {
        return false;
    };
    match code {
        KeyCode::Left | KeyCode::Char('h') => {
            if row.has_children && !row.collapsed {
                view.collapsed.insert(row.span.span_id);
                return true;
            }
            // On a leaf or a collapsed span: go to the parent.
            if let Some(parent) = view
                .rows
                .iter()
                .position(|r| Some(r.span.span_id) == row.span.parent_span_id)
            {
                view.table.select(Some(parent));
                view.detail_scroll = 0;
            }
            false
        }
        KeyCode::Right | KeyCode::Char('l') => view.collapsed.remove(&row.span.span_id),
        KeyCode::Char(' ') if row.has_children => {
            if !view.collapsed.remove(&row.span.span_id) {
                view.collapsed.insert(row.span.span_id);
            }
            true
        }
        KeyCode::Char('d') => {
            view.show_details = !view.show_details;
            false
        }
        KeyCode::Char('t') => {
            view.trace_logs = !view.trace_logs;
            view.detail_scroll = 0;
            false
        }
        KeyCode::Char('J') => {
            view.detail_scroll = view.detail_scroll.saturating_add(1);
            false
        }
        KeyCode::Char('K') => {
            view.detail_scroll = view.detail_scroll.saturating_sub(1);
            false
        }
        code => {
            if move_selection(&mut view.table, code, view.rows.len()) {
                view.detail_scroll = 0;
            }
            false
        }
    }
}

/// Up/Down/j/k, PageUp/PageDown, Home/End/g/G; true when the selection moved.
fn move_selection(table: &mut TableState, code: KeyCode, len: usize) -> bool {
    if len == 0 {
        return false;
    }
    let current = table.selected().unwrap_or(0);
    let target = match code {
        KeyCode::Down | KeyCode::Char('j') => current.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => current.saturating_sub(1),
        KeyCode::PageDown => current.saturating_add(10),
        KeyCode::PageUp => current.saturating_sub(10),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => len - 1,
        _ => return false,
    };
    let target = target.min(len - 1);
    table.select(Some(target));
    target != current
}

/// Selects `index` if valid, else the first row, or nothing in an empty list.
fn select(table: &mut TableState, index: Option<usize>, len: usize) {
    let index = match index {
        Some(index) if index < len => Some(index),
        _ if len > 0 => Some(table.selected().unwrap_or(0).min(len - 1)),
        _ => None,
    };
    table.select(index);
}

/// A trace matches when the filter (lowercase) is in its root span's name, a service name,
/// the start of its id, or the name, a `key=value` attribute or a `key=value` resource
/// attribute of any of its spans.
fn trace_matches(trace: &TraceSummary, filter: &str, snapshot: &StoreSnapshot<'_>) -> bool {
    if filter.is_empty()
        || trace
            .root
            .as_ref()
            .is_some_and(|root| root.name.to_lowercase().contains(filter))
        || trace
            .services
            .iter()
            .any(|service| service.to_lowercase().contains(filter))
        || trace.trace_id.to_string().starts_with(filter)
    {
        return true;
    }
    let attribute_matches = |key: &str, value: &Value| {
        format!("{key}={}", data::value_text(value))
            .to_lowercase()
            .contains(filter)
    };
    snapshot.spans_of_trace(trace.trace_id).iter().any(|span| {
        span.name.to_lowercase().contains(filter)
            || span
                .attributes
                .iter()
                .any(|(key, value)| attribute_matches(key, value))
            || span
                .resource
                .attributes
                .iter()
                .any(|(key, value)| attribute_matches(key, value))
    })
}

fn log_matches(record: &LogRecord, filter: &str) -> bool {
    filter.is_empty()
        || data::value_text(&record.body)
            .to_lowercase()
            .contains(filter)
        || data::severity(record).to_lowercase().contains(filter)
        || data::service(&record.resource)
            .to_lowercase()
            .contains(filter)
}

#[cfg(test)]
mod tests;

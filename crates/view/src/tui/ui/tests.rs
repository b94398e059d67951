//! Screen snapshots: the UI drawn into ratatui's `TestBackend` and compared as text, plus the
//! styles that carry meaning (errors in red, the selection reversed).

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use super::render;
use crate::tui::app::App;
use crate::tui::fixture;

/// Draws the app after `keys` into a `width`×`height` screen: its text lines (trailing
/// blanks trimmed) and the buffer.
fn screen(keys: &[KeyCode], store: &otlp::Store, height: u16) -> (Vec<String>, Buffer) {
    let mut app = App::new("gRPC 127.0.0.1:4317  HTTP 127.0.0.1:4318".into());
    app.refresh(store);
    for code in keys {
        app.on_key(KeyEvent::from(*code), store);
    }
    let width = 100;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, &mut app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let lines = buffer
        .content
        .chunks(usize::from(width))
        .map(|row| {
            row.iter()
                .map(|cell| cell.symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    (lines, buffer)
}

const HEADER: &str = " Traces 2 │ Logs 1 │ Metrics 1 │ Services 3                 gRPC 127.0.0.1:4317  HTTP 127.0.0.1:4318";

#[test]
fn the_trace_list_shows_newest_first_with_errors_in_red() {
    let (lines, buffer) = screen(&[], &fixture::store(), 6);
    assert_eq!(
        lines,
        [
            HEADER,
            "START UTC    DURATION SPANS SERVICES                  ROOT SPAN",
            "22:13:21.000 5.00ms   1     health                    GET /health",
            "22:13:20.000 300ms    4     frontend,payment          ! GET /checkout",
            "",
            "↑↓ select · Enter open · / filter · s sort (newest) · ? help                                 5 spans",
        ]
    );
    assert!(
        buffer[(0, 2)].modifier.contains(Modifier::REVERSED),
        "the first trace is selected"
    );
    assert_eq!(buffer[(0, 3)].fg, Color::Red, "the failed trace is red");
    assert_eq!(buffer[(0, 2)].fg, Color::Reset);
}

#[test]
fn a_filter_narrows_the_list_while_it_is_typed() {
    let keys = [
        KeyCode::Char('/'),
        KeyCode::Char('p'),
        KeyCode::Char('a'),
        KeyCode::Char('y'),
    ];
    let (lines, _) = screen(&keys, &fixture::store(), 5);
    assert_eq!(
        lines,
        [
            " Traces 1 │ Logs 1 │ Metrics 1 │ Services 3                 gRPC 127.0.0.1:4317  HTTP 127.0.0.1:4318",
            "START UTC    DURATION SPANS SERVICES                  ROOT SPAN",
            "22:13:20.000 300ms    4     frontend,payment          ! GET /checkout",
            "",
            "/pay█ type to filter · Enter keep · Esc clear                                                5 spans",
        ]
    );
}

#[test]
fn the_waterfall_nests_spans_with_bars_and_details_of_the_selected_one() {
    let keys = [KeyCode::Down, KeyCode::Enter, KeyCode::Down, KeyCode::Down];
    let (lines, buffer) = screen(&keys, &fixture::store(), 24);
    assert_eq!(
        lines,
        [
            HEADER,
            "┌ trace c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0 · 4 spans · 300ms ────────────────────────────────────────┐",
            "│SPAN                                      SERVICE        DURATION 0             150ms        300ms│",
            "│▾ GET /checkout                           frontend       300ms    ████████████████████████████████│",
            "│  ▾ POST payment                          frontend       200ms     █████████████████████          │",
            "│    ▾ ! POST /pay                         payment        180ms      ███████████████████           │",
            "│        SELECT cards                      payment        50.0ms      █████                        │",
            "│                                                                                                  │",
            "│                                                                                                  │",
            "│                                                                                                  │",
            "│                                                                                                  │",
            "│                                                                                                  │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
            "┌ span ────────────────────────────────────────────────────────────────────────────────────────────┐",
            "│POST /pay  server  180ms  error card declined                                                     │",
            "│span 0303030303030303  parent 0202020202020202  at +20.0ms                                        │",
            "│attributes                                                                                        │",
            "│  http.request.method = POST                                                                      │",
            "│  http.response.status_code = 402                                                                 │",
            "│events                                                                                            │",
            "│  +30.0ms retry                                                                                   │",
            "│logs                                                                                              │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
            "↑↓ span · ←→ fold · d details · t logs · Esc back · ? help                                   5 spans",
        ]
    );
    assert!(
        buffer[(1, 5)].modifier.contains(Modifier::REVERSED),
        "POST /pay is selected"
    );
    assert_eq!(buffer[(1, 5)].fg, Color::Red, "and failed");
}

#[test]
fn scrolling_the_details_reaches_the_logs_and_resource() {
    let keys = [
        KeyCode::Down,
        KeyCode::Enter,
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Char('J'),
        KeyCode::Char('J'),
    ];
    let (lines, _) = screen(&keys, &fixture::store(), 24);
    assert_eq!(
        lines[13..23],
        [
            "┌ span ────────────────────────────────────────────────────────────────────────────────────────────┐",
            "│attributes                                                                                        │",
            "│  http.request.method = POST                                                                      │",
            "│  http.response.status_code = 402                                                                 │",
            "│events                                                                                            │",
            "│  +30.0ms retry                                                                                   │",
            "│logs                                                                                              │",
            "│  22:13:20.150 ERROR card declined for order 7                                                    │",
            "│resource                                                                                          │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
        ]
    );
}

#[test]
fn a_folded_span_hides_its_children() {
    let keys = [KeyCode::Down, KeyCode::Enter, KeyCode::Down, KeyCode::Left];
    let (lines, _) = screen(&keys, &fixture::store(), 12);
    assert_eq!(
        lines[1..7],
        [
            "┌ trace c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0 · 4 spans · 300ms ────────────────────────────────────────┐",
            "│SPAN                                      SERVICE        DURATION 0             150ms        300ms│",
            "│▾ GET /checkout                           frontend       300ms    ████████████████████████████████│",
            "│  ▸ POST payment                          frontend       200ms     █████████████████████          │",
            "│                                                                                                  │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
        ]
    );
}

#[test]
fn the_log_view_colours_severities() {
    let (lines, buffer) = screen(&[KeyCode::Char('2')], &fixture::store(), 5);
    assert_eq!(
        lines,
        [
            HEADER,
            "TIME UTC     SEVERITY SERVICE        TRACE    BODY",
            "22:13:20.150 ERROR    payment        c0c0c0c0 card declined for order 7",
            "",
            "↑↓ select · Enter open trace · / filter · ? help                                             5 spans",
        ]
    );
    assert_eq!(buffer[(13, 2)].fg, Color::Red, "an ERROR record is red");
}

#[test]
fn the_metric_view_charts_the_selected_sum_over_time() {
    let (lines, _) = screen(&[KeyCode::Char('3')], &fixture::store(), 16);
    assert_eq!(
        lines,
        [
            HEADER,
            "METRIC                       SERVICE      ATTRIBUTES     KIND      LATEST                 UNIT",
            "http.server.request.count    frontend     http.route=/ch sum       5                      {request}",
            "",
            "",
            "",
            "",
            "┌ http.server.request.count ({request}) · 2 points ────────────────────────────────────────────────┐",
            "│5          │                                    ⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠔⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠊⠉⠉⠉⠉⠉⠉⠉│",
            "│           │⠤⠤⠤⠤⠤⠤⠤⠔⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠊⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉                                                  │",
            "│           │                                                                                      │",
            "│0          │                                                                                      │",
            "│           └──────────────────────────────────────────────────────────────────────────────────────│",
            "│22:13:21.000                                                                                +1.00s│",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
            "↑↓ select · Tab view · ? help · q quit                                                       5 spans",
        ]
    );
}

#[test]
fn the_metric_view_draws_the_buckets_of_a_histogram() {
    let (lines, _) = screen(&[KeyCode::Char('3')], &fixture::histogram_store(), 14);
    assert_eq!(
        lines,
        [
            " Traces 0 │ Logs 0 │ Metrics 1 │ Services 0                 gRPC 127.0.0.1:4317  HTTP 127.0.0.1:4318",
            "METRIC                       SERVICE      ATTRIBUTES     KIND      LATEST                 UNIT",
            "http.server.request.duration frontend                    histogram n=10 sum=1.5 avg=0.15  s",
            "",
            "",
            "",
            "┌ http.server.request.duration (s) · buckets of the latest point · n=10 sum=1.5 avg=0.15 ──────────┐",
            "│≤0.05 4███████████████████████████████████████████████████████████████████████████████████████████│",
            "│≤0.1  3████████████████████████████████████████████████████████████████████                       │",
            "│≤0.5  2█████████████████████████████████████████████                                              │",
            "│>0.5  1██████████████████████                                                                     │",
            "│                                                                                                  │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
            "↑↓ select · Tab view · ? help · q quit                                                       0 spans",
        ]
    );
}

#[test]
fn the_service_map_draws_who_calls_whom() {
    let (lines, buffer) = screen(&[KeyCode::Char('4')], &fixture::store(), 8);
    assert_eq!(
        lines,
        [
            HEADER,
            "┌ service map: who calls whom ─────────────────────────────┐┌ services ────────────────────────────┐",
            "│frontend  2 spans · 0 errors                              ││SERVICE                  SPANS  ERRORS│",
            "│└─▶ payment  1 call · 100% errors · avg 180ms             ││frontend                 2      0     │",
            "│health  1 span · 0 errors                                 ││payment                  2      1     │",
            "│                                                          ││health                   1      0     │",
            "└──────────────────────────────────────────────────────────┘└──────────────────────────────────────┘",
            "↑↓ select · Tab view · ? help · q quit                                                       5 spans",
        ]
    );
    assert_eq!(buffer[(14, 3)].fg, Color::Red, "the failing calls are red");
}

#[test]
fn question_mark_shows_the_keys_over_the_view() {
    let (lines, _) = screen(&[KeyCode::Char('?')], &fixture::store(), 18);
    assert_eq!(
        lines,
        [
            HEADER,
            "START UTC    DURATION SPANS SERVICES                  ROOT SPAN",
            "22:13:21.000 ┌ keys ───────────────────────────────────────────────────────────────────┐",
            "22:13:20.000 │Tab / Shift-Tab, 1-4  switch view: Traces, Logs, Metrics, Services       │",
            "             │↑↓ j k, PgUp PgDn     move (the mouse wheel too)                         │",
            "             │Home End, g G         first, last                                        │",
            "             │Enter                 open the trace (from a log: its trace, at its span)│",
            "             │/                     filter traces (name, service, attribute) or logs   │",
            "             │s                     trace order: newest, slowest, errors first         │",
            "             │← → h l, Space        in a trace: fold, unfold, toggle                   │",
            "             │d                     in a trace: show or hide the span details          │",
            "             │t                     in a trace: logs of the span or of the whole trace │",
            "             │J K                   in a trace: scroll the details                     │",
            "             │Esc                   back to the list, clear a filter                   │",
            "             │?                     this help (any key closes it)                      │",
            "             │q, Ctrl-C             quit                                               │",
            "             └─────────────────────────────────────────────────────────────────────────┘",
            "↑↓ select · Enter open · / filter · s sort (newest) · ? help                                 5 spans",
        ]
    );
    let (closed, _) = screen(&[KeyCode::Char('?'), KeyCode::Esc], &fixture::store(), 6);
    assert_eq!(
        closed[2],
        "22:13:21.000 5.00ms   1     health                    GET /health"
    );
}

#[test]
fn d_hides_the_details_for_a_full_height_waterfall() {
    let keys = [KeyCode::Down, KeyCode::Enter, KeyCode::Char('d')];
    let (lines, _) = screen(&keys, &fixture::store(), 9);
    assert_eq!(
        lines,
        [
            HEADER,
            "┌ trace c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0 · 4 spans · 300ms ────────────────────────────────────────┐",
            "│SPAN                                      SERVICE        DURATION 0             150ms        300ms│",
            "│▾ GET /checkout                           frontend       300ms    ████████████████████████████████│",
            "│  ▾ POST payment                          frontend       200ms     █████████████████████          │",
            "│    ▾ ! POST /pay                         payment        180ms      ███████████████████           │",
            "│        SELECT cards                      payment        50.0ms      █████                        │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
            "↑↓ span · ←→ fold · d details · t logs · Esc back · ? help                                   5 spans",
        ]
    );
}

#[test]
fn bars_take_their_service_colour_and_failed_spans_are_red() {
    let keys = [KeyCode::Down, KeyCode::Enter];
    let (_, buffer) = screen(&keys, &fixture::store(), 24);
    let frontend = buffer[(67, 3)].fg;
    let payment = buffer[(70, 6)].fg;
    assert_ne!(frontend, Color::Reset);
    assert_ne!(frontend, payment, "two services, two colours");
    assert_eq!(buffer[(68, 4)].fg, frontend, "same service, same colour");
    assert_eq!(buffer[(69, 5)].fg, Color::Red, "the failed span's bar");
}

#[test]
fn t_lists_the_logs_of_the_whole_trace_under_any_span() {
    let keys = [KeyCode::Down, KeyCode::Enter, KeyCode::Char('t')];
    let (lines, _) = screen(&keys, &fixture::store(), 24);
    assert_eq!(
        lines[13..23],
        [
            "┌ span ────────────────────────────────────────────────────────────────────────────────────────────┐",
            "│GET /checkout  server  300ms  unset                                                               │",
            "│span 0101010101010101  parent none  at +0ns                                                       │",
            "│logs of the trace                                                                                 │",
            "│  22:13:20.150 ERROR card declined for order 7                                                    │",
            "│resource                                                                                          │",
            "│  service.name = frontend                                                                         │",
            "│scope autotel/nethttp 0.1.0                                                                       │",
            "│                                                                                                  │",
            "└──────────────────────────────────────────────────────────────────────────────────────────────────┘",
        ]
    );
}

#[test]
fn evictions_are_counted_in_the_footer() {
    let store = otlp::Store::new(otlp::StoreLimits {
        max_spans: 2,
        ..otlp::StoreLimits::default()
    });
    let source = fixture::store();
    for span in source.spans() {
        store.insert(otlp::model::Batch {
            spans: vec![(*span).clone()],
            ..Default::default()
        });
    }
    let (lines, _) = screen(&[], &store, 4);
    assert_eq!(
        lines[3],
        "↑↓ select · Enter open · / filter · s sort (newest) · ? help              2 spans · 1 traces evicted"
    );
}

#[test]
fn an_empty_store_says_where_to_send_telemetry() {
    let store = otlp::Store::new(otlp::StoreLimits::default());
    store.count_refused();
    let (lines, _) = screen(&[], &store, 4);
    assert_eq!(
        lines,
        [
            " Traces 0 │ Logs 0 │ Metrics 0 │ Services 0                 gRPC 127.0.0.1:4317  HTTP 127.0.0.1:4318",
            "No traces yet. Point an exporter at this viewer, e.g.",
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318",
            "↑↓ select · Enter open · / filter · s sort (newest) · ? help            0 spans · 1 refused requests",
        ]
    );
}

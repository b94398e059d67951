//! What keys do to the state, and how the state follows the store.

use std::sync::Arc;

use otlp::model::{Batch, SpanId, TraceId};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Flow, Tab, TraceSort};
use crate::tui::fixture;

fn press(app: &mut App, store: &otlp::Store, codes: &[KeyCode]) -> Flow {
    codes.iter().fold(Flow::Continue, |_, code| {
        app.on_key(KeyEvent::from(*code), store)
    })
}

fn started(store: &otlp::Store) -> App {
    let mut app = App::new(String::new());
    app.refresh(store);
    app
}

fn root_names(app: &App) -> Vec<&str> {
    app.traces
        .iter()
        .map(|trace| trace.root.as_ref().map_or("", |root| root.name.as_str()))
        .collect()
}

#[test]
fn s_cycles_the_trace_order() {
    let store = fixture::store();
    let mut app = started(&store);
    assert_eq!(root_names(&app), ["GET /health", "GET /checkout"]);
    press(&mut app, &store, &[KeyCode::Char('s')]);
    assert_eq!(
        (app.trace_sort, root_names(&app)),
        (TraceSort::Slowest, vec!["GET /checkout", "GET /health"])
    );
    press(&mut app, &store, &[KeyCode::Char('s')]);
    assert_eq!(
        (app.trace_sort, root_names(&app)),
        (TraceSort::Errors, vec!["GET /checkout", "GET /health"])
    );
    press(&mut app, &store, &[KeyCode::Char('s')]);
    assert_eq!(app.trace_sort, TraceSort::Newest);
}

#[test]
fn the_selection_stays_on_its_trace_while_newer_ones_arrive() {
    let store = fixture::store();
    let mut app = started(&store);
    press(&mut app, &store, &[KeyCode::Down]);
    assert_eq!(app.trace_table.selected(), Some(1));
    let mut newer = (*store.spans_of_trace(fixture::HEALTH)[0]).clone();
    newer.trace_id = TraceId([0x99; 16]);
    newer.start_unix_nanos += 10_000_000_000;
    store.insert(Batch {
        spans: vec![newer],
        ..Batch::default()
    });
    app.refresh(&store);
    assert_eq!(
        root_names(&app),
        ["GET /health", "GET /health", "GET /checkout"]
    );
    assert_eq!(
        app.trace_table.selected(),
        Some(2),
        "still on GET /checkout"
    );
}

#[test]
fn a_filter_is_typed_kept_and_cleared() {
    let store = fixture::store();
    let mut app = started(&store);
    let typed = [
        KeyCode::Char('/'),
        KeyCode::Char('H'),
        KeyCode::Char('E'),
        KeyCode::Char('A'),
        KeyCode::Char('x'),
    ];
    press(&mut app, &store, &typed);
    assert_eq!((app.trace_filter.as_str(), app.traces.len()), ("HEAx", 0));
    press(&mut app, &store, &[KeyCode::Backspace, KeyCode::Enter]);
    assert_eq!(
        (
            app.trace_filter.as_str(),
            root_names(&app),
            app.editing_filter
        ),
        ("HEA", vec!["GET /health"], false)
    );
    // Keys act on the list again, and q is not typed into the filter.
    assert_eq!(
        press(&mut app, &store, &[KeyCode::Char('/'), KeyCode::Char('q')]),
        Flow::Continue
    );
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!((app.trace_filter.as_str(), app.traces.len()), ("", 2));
}

#[test]
fn the_waterfall_folds_unfolds_and_climbs_to_parents() {
    let store = fixture::store();
    let mut app = started(&store);
    press(&mut app, &store, &[KeyCode::End, KeyCode::Enter]);
    let selected = |app: &App| {
        app.open
            .as_ref()
            .and_then(|view| view.selected())
            .map(|row| row.span.name.clone())
    };
    let shown = |app: &App| app.open.as_ref().map_or(0, |view| view.rows.len());
    assert_eq!(
        (selected(&app).as_deref(), shown(&app)),
        (Some("GET /checkout"), 4)
    );
    press(&mut app, &store, &[KeyCode::End, KeyCode::Left]);
    assert_eq!(
        selected(&app).as_deref(),
        Some("POST /pay"),
        "Left on a leaf goes to its parent"
    );
    press(&mut app, &store, &[KeyCode::Left]);
    assert_eq!(
        (selected(&app).as_deref(), shown(&app)),
        (Some("POST /pay"), 3),
        "Left on an open parent folds it"
    );
    press(&mut app, &store, &[KeyCode::Right]);
    assert_eq!(shown(&app), 4);
    press(&mut app, &store, &[KeyCode::Home, KeyCode::Char(' ')]);
    assert_eq!(shown(&app), 1);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert!(app.open.is_none());
}

#[test]
fn enter_on_a_log_record_opens_its_trace_at_its_span() {
    let store = fixture::store();
    let mut app = started(&store);
    press(&mut app, &store, &[KeyCode::Char('2'), KeyCode::Enter]);
    assert_eq!(app.tab, Tab::Traces);
    let view = app.open.as_ref().expect("a trace is open");
    assert_eq!(view.trace_id, fixture::CHECKOUT);
    assert_eq!(
        view.selected().map(|row| row.span.span_id),
        Some(SpanId([3; 8]))
    );
    assert_eq!(view.logs.len(), 1);
    assert!(Arc::ptr_eq(&view.logs[0], &store.logs()[0]));
}

#[test]
fn tabs_switch_views_and_q_or_ctrl_c_quit() {
    let store = fixture::store();
    let mut app = started(&store);
    press(&mut app, &store, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(app.tab, Tab::Metrics);
    press(
        &mut app,
        &store,
        &[KeyCode::BackTab, KeyCode::BackTab, KeyCode::BackTab],
    );
    assert_eq!(app.tab, Tab::Services);
    press(
        &mut app,
        &store,
        &[KeyCode::Char('1'), KeyCode::Enter, KeyCode::Char('4')],
    );
    assert_eq!(
        app.tab,
        Tab::Services,
        "tabs switch from inside a trace too"
    );
    assert_eq!(press(&mut app, &store, &[KeyCode::Char('q')]), Flow::Quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.on_key(ctrl_c, &store), Flow::Quit);
}

#[test]
fn the_mouse_wheel_moves_the_selection() {
    use ratatui::crossterm::event::MouseEventKind;
    let store = fixture::store();
    let mut app = started(&store);
    app.on_mouse(MouseEventKind::ScrollDown);
    assert_eq!(app.trace_table.selected(), Some(1));
    app.on_mouse(MouseEventKind::ScrollUp);
    assert_eq!(app.trace_table.selected(), Some(0));
    press(&mut app, &store, &[KeyCode::Down, KeyCode::Enter]);
    app.on_mouse(MouseEventKind::ScrollDown);
    let view = app.open.as_ref().unwrap();
    assert_eq!(view.selected().unwrap().span.name, "POST payment");
}

#[test]
fn the_trace_filter_matches_attributes_of_any_span() {
    let store = fixture::store();
    let mut app = started(&store);
    press(&mut app, &store, &[KeyCode::Char('/')]);
    for c in "status_code=402".chars() {
        press(&mut app, &store, &[KeyCode::Char(c)]);
    }
    assert_eq!(root_names(&app), ["GET /checkout"]);
    press(&mut app, &store, &[KeyCode::Esc]);
    assert_eq!(root_names(&app), ["GET /health", "GET /checkout"]);
}

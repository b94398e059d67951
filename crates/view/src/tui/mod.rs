//! The terminal UI mode (design.md §4): runs the receiver on a tokio runtime, saves to
//! `--save` in the background, feeds `--replay` in, and runs the draw/key loop on the calling
//! thread until `q`, Ctrl-C, SIGINT or SIGTERM. The terminal is restored on every exit path,
//! panics included (ratatui's hook, wrapped to also turn mouse reporting off). State is `app`,
//! drawing is `ui`, derived data is `data`.

mod app;
mod data;
#[cfg(test)]
mod fixture;
mod ui;

use std::io::{self, IsTerminal as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use otlp::{Receiver, Store};
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::DefaultTerminal;

use crate::{files, printer, ViewError, ViewOptions};
use app::{App, Flow};

/// How often the screen is redrawn when nothing is typed (and new data shown).
const TICK: Duration = Duration::from_millis(250);

pub(crate) fn run(options: &ViewOptions) -> Result<(), ViewError> {
    if !io::stdout().is_terminal() {
        return Err(ViewError::NotATerminal);
    }
    let (replay, save) = files::open(options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("autotel-view")
        .enable_all()
        .build()
        .map_err(ViewError::Runtime)?;
    let receiver = runtime.block_on(Receiver::start(options.receiver_config()))?;
    let store = Arc::clone(receiver.store());
    let saver = save
        .map(|save| {
            let events = store.subscribe();
            thread::Builder::new()
                .name("autotel-view-save".to_owned())
                .spawn(move || printer::print(events, io::sink(), Some(save), io::sink()))
        })
        .transpose()
        .map_err(ViewError::Runtime)?;
    if let Some(batch) = replay {
        store.insert(batch);
    }
    let stop = Arc::new(AtomicBool::new(false));
    runtime
        .block_on(watch_signals(Arc::clone(&stop)))
        .map_err(ViewError::Runtime)?;

    let listening = format!(
        "gRPC {}  HTTP {}",
        receiver.grpc_addr(),
        receiver.http_addr()
    );
    let mut app = App::new(listening);
    let mut terminal = ratatui::try_init().map_err(ViewError::Terminal)?;
    // ratatui's panic hook restores raw mode and the main screen; mouse reporting is ours.
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui_hook(info);
    }));
    let shown = execute!(io::stdout(), EnableMouseCapture)
        .map_err(ViewError::Terminal)
        .and_then(|()| event_loop(&mut terminal, &mut app, &store, &stop));
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();

    let stopped = runtime.block_on(receiver.shutdown());
    let saved = match saver.map(thread::JoinHandle::join) {
        None => Ok(()),
        Some(Ok(result)) => result,
        Some(Err(_)) => Err(ViewError::Output(io::Error::other(
            "the saving thread panicked",
        ))),
    };
    shown?;
    stopped?;
    saved
}

/// Sets `stop` on SIGINT or SIGTERM (in raw mode Ctrl-C is a key, but `kill -INT` is not).
async fn watch_signals(stop: Arc<AtomicBool>) -> io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        stop.store(true, Ordering::Relaxed);
    });
    Ok(())
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    store: &Store,
    stop: &AtomicBool,
) -> Result<(), ViewError> {
    while !stop.load(Ordering::Relaxed) {
        app.refresh(store);
        terminal
            .draw(|frame| ui::render(frame, app))
            .map_err(ViewError::Terminal)?;
        if event::poll(TICK).map_err(ViewError::Terminal)? {
            // A resize needs nothing but the redraw at the top of the loop.
            match event::read().map_err(ViewError::Terminal)? {
                Event::Key(key)
                    if key.kind == KeyEventKind::Press && app.on_key(key, store) == Flow::Quit =>
                {
                    break;
                }
                Event::Mouse(mouse) => app.on_mouse(mouse.kind),
                _ => {}
            }
        }
    }
    Ok(())
}

//! The bounded, thread-safe, in-memory store of received telemetry, its queries, and the two
//! ways to wait for data: a broadcast of everything inserted ([`Store::subscribe`]) and a
//! blocking [`Store::wait_until`] for synchronous tests.
//!
//! Bounds: past `max_spans` the oldest traces (by the arrival of their first span) are evicted
//! whole, so a trace is never shown half-gone; a trace that alone exceeds the bound is evicted
//! too. Past `max_logs` / `max_metric_points` the oldest records / points go. Every eviction is
//! counted in [`StoreStats`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::model::{Batch, LogRecord, MetricPoint, Span, SpanId, StatusCode, TraceId};

/// How much the store keeps. A limit of 0 keeps nothing of that signal: insertions are only
/// broadcast (and counted as evicted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    pub max_spans: usize,
    pub max_logs: usize,
    pub max_metric_points: usize,
}

impl Default for StoreLimits {
    /// 100 000 spans, 100 000 log records, 100 000 metric points.
    fn default() -> Self {
        StoreLimits {
            max_spans: 100_000,
            max_logs: 100_000,
            max_metric_points: 100_000,
        }
    }
}

/// What one insertion added, as broadcast to subscribers: the items of one request (or one
/// replayed batch) of one signal, in arrival order.
#[derive(Debug, Clone)]
pub enum Received {
    Spans(Arc<[Arc<Span>]>),
    Logs(Arc<[Arc<LogRecord>]>),
    MetricPoints(Arc<[Arc<MetricPoint>]>),
}

/// Counts of what is held and what was let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    pub spans: usize,
    pub traces: usize,
    pub logs: usize,
    pub metric_points: usize,
    pub evicted_traces: u64,
    pub evicted_spans: u64,
    pub evicted_logs: u64,
    pub evicted_metric_points: u64,
    /// Items the receiver left out of otherwise valid requests (OTLP partial success).
    pub rejected_items: u64,
    /// Requests refused whole (malformed, oversized, unsupported encoding).
    pub refused_requests: u64,
}

/// One trace as the trace list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSummary {
    pub trace_id: TraceId,
    /// The span without a parent or, while that one has not arrived, the earliest-starting
    /// span whose parent is not in the store; earliest start wins among several.
    pub root: Option<Arc<Span>>,
    /// The distinct `service.name`s of the trace's spans, in order of first arrival.
    pub services: Vec<String>,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub span_count: usize,
    /// True when any span has status `Error`.
    pub has_error: bool,
}

impl TraceSummary {
    /// From the earliest start to the latest end.
    pub fn duration_nanos(&self) -> u64 {
        self.end_unix_nanos.saturating_sub(self.start_unix_nanos)
    }
}

/// How many insertions each subscriber may fall behind before it loses some
/// ([`broadcast::error::RecvError::Lagged`]).
const BROADCAST_CAPACITY: usize = 1024;

/// The store. Share it as `Arc<Store>`.
pub struct Store {
    data: RwLock<Data>,
    /// Bumped after every change; `wait_until` sleeps on it.
    generation: Mutex<u64>,
    changed: Condvar,
    /// `None` once the receiver has shut down: subscribers then see the end of the stream.
    events: Mutex<Option<broadcast::Sender<Received>>>,
}

#[derive(Default)]
struct Data {
    limits: StoreLimits,
    next_seq: u64,
    /// Every span, by arrival sequence number.
    spans: BTreeMap<u64, Arc<Span>>,
    traces: HashMap<TraceId, TraceEntry>,
    /// Traces by the sequence number of their first span: the eviction order.
    trace_order: BTreeMap<u64, TraceId>,
    logs: VecDeque<Arc<LogRecord>>,
    metric_points: VecDeque<Arc<MetricPoint>>,
    stats: StoreStats,
}

struct TraceEntry {
    /// The sequence numbers of the trace's spans, in arrival order.
    span_seqs: Vec<u64>,
}

impl Store {
    pub fn new(limits: StoreLimits) -> Store {
        Store {
            data: RwLock::new(Data {
                limits,
                ..Data::default()
            }),
            generation: Mutex::new(0),
            changed: Condvar::new(),
            events: Mutex::new(Some(broadcast::channel(BROADCAST_CAPACITY).0)),
        }
    }

    /// Adds a batch, evicts what no longer fits, wakes waiters and broadcasts one
    /// [`Received`] per non-empty signal.
    pub fn insert(&self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        {
            let mut data = self.data.write().unwrap_or_else(PoisonError::into_inner);
            let spans: Arc<[Arc<Span>]> = batch.spans.into_iter().map(Arc::new).collect();
            let logs: Arc<[Arc<LogRecord>]> = batch.logs.into_iter().map(Arc::new).collect();
            let points: Arc<[Arc<MetricPoint>]> =
                batch.metric_points.into_iter().map(Arc::new).collect();
            data.add_spans(&spans);
            data.add_logs(&logs);
            data.add_metric_points(&points);
            // Broadcast under the lock, so subscribers see insertions in store order. A send
            // fails only when nobody subscribes, which is fine.
            if let Some(events) = &*self.events.lock().unwrap_or_else(PoisonError::into_inner) {
                for event in [
                    (!spans.is_empty()).then_some(Received::Spans(spans)),
                    (!logs.is_empty()).then_some(Received::Logs(logs)),
                    (!points.is_empty()).then_some(Received::MetricPoints(points)),
                ]
                .into_iter()
                .flatten()
                {
                    let _ = events.send(event);
                }
            }
        }
        self.bump();
    }

    /// Counts items left out of a request (see [`StoreStats::rejected_items`]).
    pub fn count_rejected(&self, items: u64) {
        if items > 0 {
            self.data
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .stats
                .rejected_items += items;
            self.bump();
        }
    }

    /// Counts a request refused whole (see [`StoreStats::refused_requests`]).
    pub fn count_refused(&self) {
        self.data
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .stats
            .refused_requests += 1;
        self.bump();
    }

    fn bump(&self) {
        *self
            .generation
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        self.changed.notify_all();
    }

    /// A number that changes whenever the contents or counters change: a cheap way for a
    /// display to know whether to query again.
    pub fn version(&self) -> u64 {
        *self
            .generation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything inserted from now on, one message per insertion and signal. The stream
    /// ends ([`broadcast::error::RecvError::Closed`], after the messages already sent) when
    /// the receiver that owns the store shuts down.
    pub fn subscribe(&self) -> broadcast::Receiver<Received> {
        match &*self.events.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(events) => events.subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// Ends every subscription; later insertions are stored but not broadcast.
    pub(crate) fn close_subscriptions(&self) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// A consistent view for several queries; it holds a read lock, so keep it short.
    pub fn snapshot(&self) -> StoreSnapshot<'_> {
        StoreSnapshot {
            data: self.data.read().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Blocks until `ready` holds for the store's contents (checked now and after every
    /// change) or `timeout` passes; returns whether it held. For synchronous code and tests:
    /// do not call it on an async runtime's thread. `ready` runs with no lock held, so it may
    /// read the store as often as it likes (a read lock held across it, with a writer waiting,
    /// would deadlock a `ready` that reads the store again).
    pub fn wait_until(&self, timeout: Duration, mut ready: impl FnMut(&Store) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = *self
                .generation
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if ready(self) {
                return true;
            }
            let mut generation = self
                .generation
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            while *generation == seen {
                let now = Instant::now();
                if now >= deadline {
                    return false;
                }
                generation = self
                    .changed
                    .wait_timeout(generation, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }

    /// Every stored span in arrival order.
    pub fn spans(&self) -> Vec<Arc<Span>> {
        self.snapshot().spans()
    }

    /// The stored spans of one trace in arrival order.
    pub fn spans_of_trace(&self, trace_id: TraceId) -> Vec<Arc<Span>> {
        self.snapshot().spans_of_trace(trace_id)
    }

    /// One summary per stored trace, in order of first arrival.
    pub fn traces(&self) -> Vec<TraceSummary> {
        self.snapshot().traces()
    }

    /// Every stored log record in arrival order.
    pub fn logs(&self) -> Vec<Arc<LogRecord>> {
        self.snapshot().logs()
    }

    /// Every stored metric point in arrival order.
    pub fn metric_points(&self) -> Vec<Arc<MetricPoint>> {
        self.snapshot().metric_points()
    }

    pub fn stats(&self) -> StoreStats {
        self.snapshot().stats()
    }
}

impl Data {
    fn add_spans(&mut self, spans: &[Arc<Span>]) {
        if self.limits.max_spans == 0 {
            // A store that keeps no spans (`autotel view --json` only broadcasts them): count
            // what the general path would insert and evict at once, without the maps.
            let mut trace_ids: Vec<TraceId> = spans.iter().map(|span| span.trace_id).collect();
            trace_ids.sort_unstable();
            trace_ids.dedup();
            self.next_seq += spans.len() as u64;
            self.stats.evicted_traces += trace_ids.len() as u64;
            self.stats.evicted_spans += spans.len() as u64;
            return;
        }
        for span in spans {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.spans.insert(seq, Arc::clone(span));
            let entry = self
                .traces
                .entry(span.trace_id)
                .or_insert_with(|| TraceEntry {
                    span_seqs: Vec::new(),
                });
            if entry.span_seqs.is_empty() {
                self.trace_order.insert(seq, span.trace_id);
            }
            entry.span_seqs.push(seq);
        }
        while self.spans.len() > self.limits.max_spans {
            let Some((_, trace_id)) = self.trace_order.pop_first() else {
                break;
            };
            let Some(entry) = self.traces.remove(&trace_id) else {
                continue;
            };
            for seq in &entry.span_seqs {
                self.spans.remove(seq);
            }
            self.stats.evicted_traces += 1;
            self.stats.evicted_spans += entry.span_seqs.len() as u64;
        }
    }

    fn add_logs(&mut self, logs: &[Arc<LogRecord>]) {
        self.logs.extend(logs.iter().cloned());
        let excess = self.logs.len().saturating_sub(self.limits.max_logs);
        self.logs.drain(..excess);
        self.stats.evicted_logs += excess as u64;
    }

    fn add_metric_points(&mut self, points: &[Arc<MetricPoint>]) {
        self.metric_points.extend(points.iter().cloned());
        let excess = self
            .metric_points
            .len()
            .saturating_sub(self.limits.max_metric_points);
        self.metric_points.drain(..excess);
        self.stats.evicted_metric_points += excess as u64;
    }
}

/// A read-locked view of the store; the same queries as [`Store`], all from one moment.
pub struct StoreSnapshot<'a> {
    data: RwLockReadGuard<'a, Data>,
}

impl StoreSnapshot<'_> {
    pub fn spans(&self) -> Vec<Arc<Span>> {
        self.data.spans.values().cloned().collect()
    }

    pub fn spans_of_trace(&self, trace_id: TraceId) -> Vec<Arc<Span>> {
        self.data
            .traces
            .get(&trace_id)
            .map(|entry| {
                entry
                    .span_seqs
                    .iter()
                    .filter_map(|seq| self.data.spans.get(seq))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn traces(&self) -> Vec<TraceSummary> {
        self.data
            .trace_order
            .values()
            .filter_map(|trace_id| self.trace(*trace_id))
            .collect()
    }

    /// The summary of one stored trace.
    pub fn trace(&self, trace_id: TraceId) -> Option<TraceSummary> {
        let spans = self.spans_of_trace(trace_id);
        let first = spans.first()?;
        let mut summary = TraceSummary {
            trace_id,
            root: None,
            services: Vec::new(),
            start_unix_nanos: first.start_unix_nanos,
            end_unix_nanos: first.end_unix_nanos,
            span_count: spans.len(),
            has_error: false,
        };
        let ids: std::collections::HashSet<SpanId> =
            spans.iter().map(|span| span.span_id).collect();
        // Rank: a true root beats an orphan; then the earlier start.
        let mut best: Option<(bool, u64, &Arc<Span>)> = None;
        for span in &spans {
            summary.start_unix_nanos = summary.start_unix_nanos.min(span.start_unix_nanos);
            summary.end_unix_nanos = summary.end_unix_nanos.max(span.end_unix_nanos);
            summary.has_error |= span.status.code == StatusCode::Error;
            if let Some(service) = span.resource.service_name() {
                if !summary.services.iter().any(|known| known == service) {
                    summary.services.push(service.to_owned());
                }
            }
            let candidate = match span.parent_span_id {
                None => Some((true, span.start_unix_nanos)),
                Some(parent) if !ids.contains(&parent) => Some((false, span.start_unix_nanos)),
                Some(_) => None,
            };
            if let Some((is_root, start)) = candidate {
                let better = match best {
                    None => true,
                    Some((best_root, best_start, _)) => {
                        (is_root, std::cmp::Reverse(start))
                            > (best_root, std::cmp::Reverse(best_start))
                    }
                };
                if better {
                    best = Some((is_root, start, span));
                }
            }
        }
        summary.root = best.map(|(_, _, span)| Arc::clone(span));
        Some(summary)
    }

    pub fn logs(&self) -> Vec<Arc<LogRecord>> {
        self.data.logs.iter().cloned().collect()
    }

    pub fn metric_points(&self) -> Vec<Arc<MetricPoint>> {
        self.data.metric_points.iter().cloned().collect()
    }

    pub fn stats(&self) -> StoreStats {
        StoreStats {
            spans: self.data.spans.len(),
            traces: self.data.traces.len(),
            logs: self.data.logs.len(),
            metric_points: self.data.metric_points.len(),
            ..self.data.stats
        }
    }
}

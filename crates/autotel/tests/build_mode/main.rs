//! End-to-end tests of build mode: real Go applications from `testdata/apps/`, built with the
//! autotel binary and the machine's go, run, driven with real HTTP requests, and checked through
//! the OTLP receiver of `crates/otlp`.

mod support;

/// Two net/http services, one trace: parent links, kinds, names, attributes, metrics.
mod traces;
/// grpc: a client and a server process, every call kind, served natively and through ServeHTTP.
mod grpc;
/// valyala/fasthttp and fiber v2: fronts calling a net/http downstream, one trace each.
mod fasthttp;
/// gofiber/fiber v3: a front calling a fiber v3 downstream through fiber v3's client, one trace.
mod fiberv3;
/// cloudwego/hertz: a front calling a hertz downstream through hertz's client, one trace.
mod hertz;
/// go-kratos/kratos v2: HTTP and gRPC transports, front and downstream, one trace; its own tracing.
mod kratos;
/// What the Kafka client tests share: a broker, a pair app built at a release, its two runs.
mod kafka_pair;
/// segmentio/kafka-go: a producer and a consumer process, one trace across a real Kafka broker.
mod kafkago;
/// twmb/franz-go: a producer and a consumer process, one trace across a real Kafka broker.
mod franzgo;
/// IBM/sarama: a producer and a consumer process, one trace across a real Kafka broker.
mod sarama;
/// pgx v5 natively against a real PostgreSQL: statements, transaction, batch, CopyFrom; stdlib.
mod pgx;
/// gorm over MariaDB, PostgreSQL and SQLite: database/sql's spans, one per statement.
mod gorm;
/// go.mongodb.org/mongo-driver v1 and v2 against FerretDB (a MongoDB-compatible server).
mod mongo;
/// go-elasticsearch v8 against a fake Elasticsearch node: one span per API call, traceparent sent.
mod elasticsearch;
/// The fake Elasticsearch node of the go-elasticsearch tests.
mod fake_elasticsearch;
/// The user's tree is never written: after success, failure and interruption.
mod tree;
/// The build cache: warm rebuilds, and plain and instrumented archives kept apart.
mod cache;
/// The plan cache: reused while nothing it depends on changed, made again when something did.
mod plan_cache;
/// `autotel go test`, `autotel go run`, and an older Go through GOTOOLCHAIN.
mod commands;
/// Coverage builds report the user's packages, as plain go does, never autotel's.
mod coverage;
/// `autotel inspect`: the manifest linked into each program; a plain build's attach view.
mod inspect;
/// go flags, GOFLAGS, cross-compilation and workspaces pass through.
mod flags;
/// Clear errors for bad input, and a program whose collector is down.
mod errors;
/// `autotel go test` of an instrumented library's own module: test variants link, hooks run.
mod tested_library;
/// WebSocket upgrades (gorilla/websocket, coder/websocket): the SERVER span ends at the hijack, 101.
mod websocket;
/// net/http's TLS protocol negotiation and graceful shutdown, as echo v5's own tests use them.
mod nethttp_semantics;
/// The user's dependency versions stay put; what must move is reported exactly; the newest
/// OpenTelemetry Go builds.
mod dependencies;
/// New releases degrade, never break: a library whose hooked function changed, and a fake future
/// Go release (scripts/fake-go-release) whose runtime and net/http changed.
mod drift;
/// The user's go line keeps deciding their packages' language version.
mod language;
/// Next to the application's own OpenTelemetry: its exports are never traced; its wrappers keep their one span.
mod coexistence;
/// Real backends: Jaeger v2 over OTLP/gRPC and OTLP/HTTP, and through the fleet recipe's Collector.
mod backends;

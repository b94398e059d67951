"""Exports one fixed scenario of spans, logs and metrics with the official OpenTelemetry Python
SDK, once over OTLP/gRPC and once over OTLP/HTTP (protobuf), to the receiver under test.

Usage: export_all.py GRPC_ENDPOINT HTTP_ENDPOINT   (both like http://127.0.0.1:PORT)
Prints one JSON line per transport with the ids the SDK generated, for the test to compare.
"""

import json
import logging
import sys

from opentelemetry import context
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, set_span_in_context

T0 = 1_700_000_000_000_000_000
LINKED = SpanContext(
    trace_id=0x0AF7651916CD43DD8448EB211C80319C,
    span_id=0xB7AD6B7169203331,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
)


def scenario(transport, span_exporter, log_exporter, metric_exporter):
    resource = Resource.create({"service.name": f"py-{transport}", "deployment.environment.name": "test"})

    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    tracer = tracer_provider.get_tracer("interop.test", "2.0")

    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    logger = logging.getLogger(f"interop.{transport}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))

    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    meter = meter_provider.get_meter("interop.test", "2.0")

    parent = tracer.start_span(
        "parent",
        kind=SpanKind.SERVER,
        start_time=T0,
        attributes={
            "str": "text",
            "bool": True,
            "int": -42,
            "float": 2.5,
            "strs": ["a", "b"],
            "bools": [True, False],
            "ints": [1, 2],
            "floats": [0.5, 1.5],
        },
    )
    parent.add_event("cache.miss", attributes={"cache.key": "user:1", "attempt": 2}, timestamp=T0 + 1_000)
    child = tracer.start_span(
        "child",
        context=set_span_in_context(parent),
        kind=SpanKind.CLIENT,
        start_time=T0 + 2_000,
        links=[Link(LINKED, attributes={"link.reason": "batch"})],
    )
    with_child = set_span_in_context(child)
    token = context.attach(with_child)
    logger.warning("child is slow: %d ms", 7)
    context.detach(token)
    child.set_status(Status(StatusCode.ERROR, "boom"))
    child.end(end_time=T0 + 5_000)
    parent.set_status(Status(StatusCode.OK))
    parent.end(end_time=T0 + 9_000)

    meter.create_counter("jobs", unit="{job}", description="Jobs done").add(3, {"queue": "high"})
    meter.create_histogram("latency", unit="s").record(0.25)

    ids = {
        "transport": transport,
        "trace_id": format(parent.get_span_context().trace_id, "032x"),
        "parent_span_id": format(parent.get_span_context().span_id, "016x"),
        "child_span_id": format(child.get_span_context().span_id, "016x"),
    }
    tracer_provider.shutdown()
    logger_provider.shutdown()
    meter_provider.shutdown()
    print(json.dumps(ids), flush=True)


def main():
    grpc_endpoint, http_endpoint = sys.argv[1], sys.argv[2]
    scenario(
        "grpc",
        GrpcSpanExporter(endpoint=grpc_endpoint, insecure=True),
        GrpcLogExporter(endpoint=grpc_endpoint, insecure=True),
        GrpcMetricExporter(endpoint=grpc_endpoint, insecure=True),
    )
    scenario(
        "http",
        HttpSpanExporter(endpoint=f"{http_endpoint}/v1/traces"),
        HttpLogExporter(endpoint=f"{http_endpoint}/v1/logs"),
        HttpMetricExporter(endpoint=f"{http_endpoint}/v1/metrics"),
    )


if __name__ == "__main__":
    main()

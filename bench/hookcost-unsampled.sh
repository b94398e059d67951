#!/bin/sh
# Runs hookcost test binaries under each variant of bench/run's hook section (OTLP to the closed
# port 9 for "sampled"): one line per benchmark, "binary variant result". See bench/hookcost-unsampled.md.
# usage: bench/hookcost-unsampled.sh BIN...
cd "$(dirname "$0")/hookcost/target"
for bin in "$@"; do
for v in off unsampled sampled noprovider; do
  case $v in
    off) env="OTEL_SDK_DISABLED=true";;
    unsampled) env="OTEL_TRACES_SAMPLER=always_off OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none";;
    sampled) env="OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none";;
    noprovider) env="OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none";;
  esac
  env -i PATH=$PATH HOME=$HOME $env $bin -test.run '^$' -test.bench . -test.benchtime 200ms -test.benchmem 2>/dev/null | grep '^Bench' | sed "s|^|$(basename $bin) $v |"
done; done

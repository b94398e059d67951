#!/bin/sh
# Interleaved A/B of two hookcost test binaries: 5 rounds, each variant, each binary.
# Build the three binaries first (see bench/hookcost-noescape.md); prints one line per benchmark: round variant binary result.
cd "$(dirname "$0")/hookcost/target"
for round in 1 2 3 4 5; do
  for v in "plain" "off" "unsampled" "sampled"; do
    case $v in
      off) env="OTEL_SDK_DISABLED=true";;
      unsampled) env="OTEL_TRACES_SAMPLER=always_off OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none";;
      sampled) env="OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9 OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none";;
      plain) env="";;
    esac
    for b in before after; do
      bin=${HC_BIN:-/tmp}/hc-$b.test; [ $v = plain ] && bin=${HC_BIN:-/tmp}/hc-plain.test
      env $env $bin -test.run '^$' -test.bench . -test.benchtime 200ms -test.benchmem 2>/dev/null | grep '^Bench' | sed "s/^/$round $v $b /"
      [ $v = plain ] && break
    done
  done
done

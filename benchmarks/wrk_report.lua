-- wrk prints its summary for people; this adds one JSON line for benchmarks/sparql_endpoint.py.
done = function(summary, latency, requests)
  io.write(string.format(
    '\nJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"latency_mean_us": %.1f, "latency_p50_us": %d, "latency_p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99)))
end

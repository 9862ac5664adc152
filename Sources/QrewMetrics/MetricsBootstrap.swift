import Metrics
import Prometheus
import QrewQueue

/// Turns metrics on for this process: every swift-metrics call from then on records into one
/// Prometheus registry, with Qrew's histogram buckets. Called once, by an executable given
/// `--metrics-port`; without it swift-metrics keeps its no-op handler and recording costs
/// next to nothing.
public enum MetricsBootstrap {
    /// Bootstraps swift-metrics (once per process) and returns the registry to serve.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            MetricNames.taskRunDuration: MetricNames.runDurationBuckets.map(duration),
            MetricNames.taskQueueWait: MetricNames.queueWaitBuckets.map(duration),
            MetricNames.intakeLatency: MetricNames.intakeLatencyBuckets.map(duration),
        ]
        factory.valueHistogramBuckets = [MetricNames.claimBatchSize: MetricNames.claimBatchBuckets]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    private static func duration(_ seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}

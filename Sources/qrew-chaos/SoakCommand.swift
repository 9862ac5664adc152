import ArgumentParser
import Foundation
import QrewLocalCluster

/// `qrew-chaos soak`: runs a local cluster under a steady stream of runs for a while with a short
/// retention, samples Redis memory and key count, and says whether they stay flat.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Submit runs continuously to a local cluster and check that Redis memory stays flat.",
        discussion: """
            Starts redis-server, a coordinator with a short --retention and workers, keeps a few runs in flight \
            (fan-outs, a shared pool, a retried step, a run timeout, every tenth run canceled) and samples \
            used_memory (INFO memory) and DBSIZE. Verdict: the first third of the samples is warm-up; the mean of \
            the last third may exceed the mean of the middle third by at most --tolerance (and at least by the \
            noise floor: 256 KB, 100 keys). Exit 0 when flat, 1 when growing.
            """)

    @Option(help: "How long to submit runs, e.g. 10m.")
    var duration: String = "3m"

    @Option(help: "Time between two samples.")
    var sampleEvery: String = "5s"

    @Option(help: "The coordinator's --retention: how long finished runs stay.")
    var retention: String = "5s"

    @Option(help: "Workers.")
    var workers: Int = 2

    @Option(help: "Runs kept in flight at once.")
    var inFlight: Int = 4

    @Option(help: "Allowed growth of the last third's mean over the middle third's, as a fraction.")
    var tolerance: Double = 0.10

    @Option(help: "Directory holding qrew-coordinator and qrew-worker (default: this executable's directory).")
    var binDir: String?

    func validate() throws {
        _ = try settings()
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be 1 to 32") }
        guard (1...100).contains(inFlight) else { throw ValidationError("--in-flight must be 1 to 100") }
        guard tolerance >= 0 else { throw ValidationError("--tolerance must not be negative") }
    }

    func run() async throws {
        let status = await SoakRun(settings: try settings()).run()
        if status != 0 { throw ExitCode(status) }
    }

    private func settings() throws -> SoakRun.Settings {
        let settings = SoakRun.Settings(
            duration: try SuiteCommand.duration(duration, "--duration", minimum: .seconds(3)),
            sampleEvery: try SuiteCommand.duration(sampleEvery, "--sample-every", minimum: .milliseconds(200)),
            retention: try SuiteCommand.duration(retention, "--retention", minimum: .seconds(1)),
            workers: workers, inFlight: inFlight, tolerance: tolerance,
            binDirectory: binDir ?? LocalCluster.executableDirectory)
        guard settings.duration >= settings.sampleEvery * 9 else {
            throw ValidationError("--duration must hold at least 9 samples (--sample-every \(sampleEvery))")
        }
        return settings
    }
}

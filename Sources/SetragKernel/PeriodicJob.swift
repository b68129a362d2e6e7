import Logging
import ServiceLifecycle

/// A service's background chore: `pass` every `interval` until graceful shutdown, the first time at once (or after
/// one interval with `firstAfterInterval`). A pass that throws is logged as a warning with `what` and tried again at
/// the next interval; the job never stops on an error.
public struct PeriodicJob: Service {
    let what: String
    let interval: Duration
    let firstAfterInterval: Bool
    let logger: Logger
    let pass: @Sendable () async throws -> Void

    public init(_ what: String, every interval: Duration, firstAfterInterval: Bool = false, logger: Logger,
                pass: @escaping @Sendable () async throws -> Void) {
        self.what = what
        self.interval = interval
        self.firstAfterInterval = firstAfterInterval
        self.logger = logger
        self.pass = pass
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            if firstAfterInterval { try await Task.sleep(for: interval) }
            while !Task.isCancelled {
                do {
                    try await pass()
                } catch {
                    logger.warning("\(what) failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

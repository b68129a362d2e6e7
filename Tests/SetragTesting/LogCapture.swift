import Logging
import Synchronization

/// Keeps what a service's request handlers log (errors are also printed, as Hummingbird's own logger would).
public final class LogCapture: Sendable {
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { $1 } }
            let entry = Entry(level: event.level, message: event.message.description,
                              metadata: merged.mapValues { "\($0)" })
            capture.entries.withLock { $0.append(entry) }
            if event.level >= .error { print("\(event.level) \(entry.message) \(entry.metadata)") }
        }
    }

    let entries = Mutex<[Entry]>([])

    public init() {}

    public var logger: Logger { Logger(label: "test") { _ in Handler(capture: self) } }

    public func entries(_ message: String) -> [Entry] { entries.withLock { $0.filter { $0.message == message } } }
}

import Configuration
import Foundation
import Synchronization

/// Reads settings through swift-configuration and collects every problem instead of stopping at the first, so
/// that start-up can list all missing or invalid settings at once.
///
/// Sources, highest priority first: environment variables `SETRAG_<KEY>` (`db.host` -> `SETRAG_DB_HOST`), the
/// JSON file named by `SETRAG_CONFIG_FILE`, then the defaults given at each read.
public final class Settings: Sendable {
    let reader: ConfigReader
    let issues = Mutex<[String]>([])

    public init(reader: ConfigReader) { self.reader = reader }

    /// The process's settings: environment first, then the optional JSON file.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> Settings
    {
        var stripped: [String: String] = [:]
        for (key, value) in environment where key.hasPrefix("SETRAG_") {
            stripped[String(key.dropFirst("SETRAG_".count))] = value
        }
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: stripped)]
        if let file = environment["SETRAG_CONFIG_FILE"], !file.isEmpty {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(file)))
        }
        return Settings(reader: ConfigReader(providers: providers))
    }

    /// Settings from a dictionary of dotted keys (tests).
    public static func values(_ values: [String: String]) -> Settings {
        var env: [String: String] = [:]
        for (key, value) in values {
            env[key.uppercased().replacingOccurrences(of: ".", with: "_")] = value
        }
        return Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: env)))
    }

    func raw(_ key: String, secret: Bool) -> String? {
        let value = reader.string(forKey: ConfigKey(key), isSecret: secret)
        return value?.isEmpty == false ? value : nil
    }

    func note(_ issue: String) { issues.withLock { $0.append(issue) } }

    public static func envName(_ key: String) -> String {
        "SETRAG_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// A required string when `default` is nil.
    public func string(_ key: String, default defaultValue: String? = nil, secret: Bool = false) -> String {
        if let value = raw(key, secret: secret) { return value }
        if let defaultValue { return defaultValue }
        note("\(key) is missing (set \(Self.envName(key)))")
        return ""
    }

    public func optionalString(_ key: String, secret: Bool = false) -> String? { raw(key, secret: secret) }

    public func int(_ key: String, default defaultValue: Int? = nil, range: ClosedRange<Int>? = nil) -> Int {
        guard let text = raw(key, secret: false) else {
            if let defaultValue { return defaultValue }
            note("\(key) is missing (set \(Self.envName(key)))")
            return 0
        }
        guard let value = Int(text) else {
            note("\(key) must be a whole number, not \"\(text)\"")
            return defaultValue ?? 0
        }
        if let range, !range.contains(value) {
            note("\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    public func bool(_ key: String, default defaultValue: Bool) -> Bool {
        guard let text = raw(key, secret: false)?.lowercased() else { return defaultValue }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            note("\(key) must be true or false, not \"\(text)\"")
            return defaultValue
        }
    }

    public func seconds(_ key: String, default defaultValue: Double, range: ClosedRange<Double> = 0.001...86_400 * 365)
        -> Duration
    {
        guard let text = raw(key, secret: false) else { return .milliseconds(Int(defaultValue * 1000)) }
        guard let value = Double(text), range.contains(value) else {
            note("\(key) must be a number of seconds in \(range), not \"\(text)\"")
            return .milliseconds(Int(defaultValue * 1000))
        }
        return .milliseconds(Int(value * 1000))
    }

    /// A host:port listen address.
    public func address(_ key: String, default defaultValue: String) -> (host: String, port: Int) {
        let text = raw(key, secret: false) ?? defaultValue
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            note("\(key) must be host:port, not \"\(text)\"")
            return ("127.0.0.1", 0)
        }
        return (String(text[..<colon]), port)
    }

    /// Bytes given as base64 (secrets: keys).
    public func key(_ key: String, bytes count: Int) -> [UInt8]? {
        guard let text = raw(key, secret: true) else {
            note("\(key) is missing (set \(Self.envName(key)) to \(count) random bytes in base64)")
            return nil
        }
        guard let data = Data(base64Encoded: text), data.count == count else {
            note("\(key) must be \(count) bytes in base64")
            return nil
        }
        return [UInt8](data)
    }

    /// Adds a problem found by a caller's own check.
    public func invalid(_ key: String, _ message: String) { note("\(key) \(message)") }

    /// Throws every problem noted so far, all at once.
    public func validate() throws {
        let all = issues.withLock { $0 }
        if !all.isEmpty { throw SettingsError(problems: all) }
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "The configuration has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

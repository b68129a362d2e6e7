import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SetragKernel

@main
struct Setrag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setrag",
        abstract: "The SETRAG platform: tickets, parcels, live trains (one binary, any subset of services).",
        subcommands: [Serve.self, Migrate.self, Seed.self, Simulate.self, MQTTAuth.self])
}

/// Process-wide set-up, done once here and never in code that tests call.
enum Process {
    static let metrics = PrometheusCollectorRegistry()

    static func bootstrap() -> Logger {
        let level = Logger.Level(rawValue: ProcessInfo.processInfo.environment["SETRAG_LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        return Logger(label: "setrag")
    }

    static func platform(targets: String) async throws -> Platform {
        let logger = bootstrap()
        let modules = try Platform.select(moduleTable, targets: targets)
        let settings = try await Settings.load()
        return Platform(modules: modules, settings: settings, logger: logger, metrics: metrics)
    }

    /// Configuration and start-up problems are told plainly, then the process exits with status 2.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as SettingsError {
            FileHandle.standardError.write(Data("setrag: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as PlatformError {
            FileHandle.standardError.write(Data("setrag: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run modules: all, or a comma list (gateway,identity).")
    @Option(help: "all, or a comma list of modules") var target = "all"

    func run() async throws {
        try await Process.run { try await Process.platform(targets: target).serve() }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create each module's database and apply migrations.")
    @Option(help: "all, or a comma list of modules") var target = "all"

    func run() async throws {
        try await Process.run {
            for line in try await Process.platform(targets: target).migrate() { print(line) }
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load reference data; --demo adds demo accounts.")
    @Option(help: "all, or a comma list of modules") var target = "all"
    @Flag(help: "Also create one demo account per role (never in production)") var demo = false

    func run() async throws {
        try await Process.run {
            let password = ProcessInfo.processInfo.environment["SETRAG_DEMO_PASSWORD"]
            let lines = try await Process.platform(targets: target).seed(SeedOptions(demo: demo, demoPassword: password))
            for line in lines { print(line) }
        }
    }
}

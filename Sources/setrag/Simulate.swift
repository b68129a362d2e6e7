import ArgumentParser
import Foundation
import PaymentsSimulator
import SMSSimulator
import ServiceLifecycle
import SetragKernel
import Tracking
import TrainSimulator

/// Simulators of the outside systems the platform talks to, each run as its own process (tests, development).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a simulator of an outside system (tests and development, never production).",
        subcommands: [SimulateEBilling.self, SimulateSMS.self, SimulateTrains.self])
}

struct SimulateEBilling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebilling",
        abstract: "Simulate the E-Billing mobile-money and card aggregator (bills, USSD push, hosted page, payouts).",
        discussion: """
            Credentials come from the environment: SETRAG_EBILLING_USERNAME and SETRAG_EBILLING_SHARED_KEY (the \
            merchant's HTTP Basic credentials) and SETRAG_EBILLING_CALLBACK_SECRET (the key of the callbacks' \
            HMAC-SHA256). Once listening it prints one line to standard output: "listening on http://host:port". \
            Tests choose outcomes per phone number with PUT /_sim/scenarios/{msisdn}.
            """)

    @Option(help: "Port to listen on (0: any free port, printed at start)") var port: Int
    @Option(help: "Where signed callbacks are POSTed (http or https)") var callbackURL: String
    @Option(help: "Address to listen on") var host = "127.0.0.1"
    @Option(help: "Base of the hosted pages' addresses (default http://<host>:<port>)") var publicURL: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard EBillingConfiguration.isWebURL(callbackURL) else {
            throw ValidationError("--callback-url must be an absolute http or https URL")
        }
        if let publicURL, !EBillingConfiguration.isWebURL(publicURL) {
            throw ValidationError("--public-url must be an absolute http or https URL")
        }
    }

    func run() async throws {
        try await Process.run {
            let logger = Process.bootstrap()
            let settings = try await Settings.load()
            let configuration = EBillingConfiguration(
                settings: settings, callbackURL: callbackURL, host: host, port: port,
                publicURL: publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
            try settings.validate()
            let (application, _) = EBillingServer.build(configuration: configuration, logger: logger) { url in
                FileHandle.standardOutput.write(Data("listening on \(url)\n".utf8))
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

struct SimulateSMS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms",
        abstract: "Simulate the SMS gateway the notifications service sends text messages through.",
        discussion: """
            The API key comes from the environment: SETRAG_SMS_API_KEY. Once listening it prints one line to \
            standard output: "listening on http://host:port". Tests read what was sent with GET /_sim/messages.
            """)

    @Option(help: "Port to listen on (0: any free port, printed at start)") var port: Int
    @Option(help: "Address to listen on") var host = "127.0.0.1"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        try await Process.run {
            let logger = Process.bootstrap()
            let settings = try await Settings.load()
            let key = settings.string("sms.api_key", secret: true)
            try settings.validate()
            let (application, _) = SMSServer.build(apiKey: key, host: host, port: port, logger: logger) { url in
                FileHandle.standardOutput.write(Data("listening on \(url)\n".utf8))
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

struct SimulateTrains: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trains",
        abstract: "Move the timetable's trains along the line, publishing their fixes over MQTT like real trackers.",
        discussion: """
            Reads the trips from inventory (inventory.url), registers one tracker per train in tracking's database \
            (named sim-<train>-<date>, a new key at each start, assigned to its trip) and publishes a fix per train \
            every --interval simulated seconds to setrag/telemetry/<deviceId> on the platform's broker, each tracker \
            over its own connection logged in with its device id and key (with tracking.broker_auth_dir set, the \
            broker's login files are written again after each registration). The \
            simulation starts --replay-hours in the past and runs --speed times faster until it has caught up with \
            now, then in real time (fixes never carry a future time). Trains leave late or are held between \
            stations with --delay-chance, reproducibly for a given --seed. Development and tests only.
            """)

    @Option(help: "Hours in the past the simulation starts at") var replayHours = 0.0
    @Option(help: "How much faster than real time the simulation runs until it reaches now") var speed = 1.0
    @Option(help: "Simulated seconds between two fixes of a train") var interval = 10.0
    @Option(help: "Chance that a train leaves late, and that it is held on each leg (0 to 1)") var delayChance = 0.3
    @Option(help: "Seed of the random delays (default: from the clock)") var seed: UInt64?

    func validate() throws {
        guard (0...48).contains(replayHours) else { throw ValidationError("--replay-hours must be 0 to 48") }
        guard (1...3600).contains(speed) else { throw ValidationError("--speed must be 1 to 3600") }
        guard (1...600).contains(interval) else { throw ValidationError("--interval must be 1 to 600 seconds") }
        guard (0...1).contains(delayChance) else { throw ValidationError("--delay-chance must be 0 to 1") }
    }

    func run() async throws {
        try await Process.run {
            let logger = Process.bootstrap()
            let settings = try await Settings.load()
            let platform = Platform(modules: [TrackingModule.definition], settings: settings, logger: logger,
                                    metrics: Process.metrics)
            // The trackers log in as themselves: the platform's own broker connection is not needed.
            try await platform.withContext(connectBroker: false) { context in
                let inventory = HTTPInventoryLink(baseURL: context.endpoints.url("inventory"),
                                                  http: context.httpClient, logger: logger)
                let options = TrainSimulator.Options(
                    from: Date().addingTimeInterval(-replayHours * 3600), speed: speed, interval: interval,
                    delays: DelayPlan(chance: delayChance),
                    seed: seed ?? UInt64(Date().timeIntervalSince1970 * 1000))
                let store = MySQLTrackingStore(database: context.requireDatabase())
                let brokerAuth = TrackingModule.Options(settings).brokerAuth.map {
                    BrokerAuthWriter(store: store, options: $0, logger: logger)
                }
                let simulator = TrainSimulator(options: options, inventory: inventory, store: store,
                                               broker: Platform.brokerConfiguration(settings),
                                               brokerAuth: brokerAuth, logger: logger)
                let group = ServiceGroup(configuration: .init(
                    services: [.init(service: SimulatorService(simulator: simulator))],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }
}

/// Runs the train simulator until the process is told to stop.
struct SimulatorService: Service {
    let simulator: TrainSimulator

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await simulator.run() }
        } catch is CancellationError {
            // Stopped by SIGTERM or SIGINT: a normal end.
        }
    }
}

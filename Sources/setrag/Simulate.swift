import ArgumentParser
import Foundation
import PaymentsSimulator
import ServiceLifecycle
import SetragKernel

/// Simulators of the outside systems the platform talks to, each run as its own process (tests, development).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a simulator of an outside system (tests and development, never production).",
        subcommands: [SimulateEBilling.self])
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

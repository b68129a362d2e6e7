import ArgumentParser
import Foundation
import SetragKernel
import Tracking

/// The broker's logins, made from tracking's device registry.
struct MQTTAuth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-auth",
        abstract: "The MQTT broker's logins: each tracker's and the platform's own.",
        subcommands: [MQTTAuthWrite.self])
}

struct MQTTAuthWrite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write the broker's password and ACL files from tracking's devices, and tell the broker to reload.",
        discussion: """
            Writes mosquitto.passwd (each device with a broker login: user name its id, password its key; the \
            platform's user mqtt.username with mqtt.password) and mosquitto.acl (a device may only publish on \
            setrag/telemetry/<its id>) into tracking.broker_auth_dir, then sends SIGHUP to the broker whose pid is \
            in tracking.broker_pid_file, if set. Files that would not change are left alone. `serve` does the same \
            at start-up and after each device registered or given a new key; run this before the first `serve` \
            against a broker that takes no anonymous client (the platform logs in before tracking starts). It does \
            not connect to the broker.
            """)

    func run() async throws {
        try await Process.run {
            let logger = Process.bootstrap()
            let settings = try await Settings.load()
            let brokerAuth = TrackingModule.Options(settings).brokerAuth
            if brokerAuth == nil {
                settings.invalid("tracking.broker_auth_dir", "is missing (set SETRAG_TRACKING_BROKER_AUTH_DIR)")
            }
            try settings.validate()
            guard let options = brokerAuth else { return }
            let platform = Platform(modules: [TrackingModule.definition], settings: settings, logger: logger,
                                    metrics: Process.metrics)
            try await platform.withContext(connectBroker: false) { context in
                let writer = BrokerAuthWriter(store: MySQLTrackingStore(database: context.requireDatabase()),
                                              options: options, logger: logger)
                let outcome = try await writer.write()
                let files = "\(options.passwordFile) and \(options.aclFile)"
                switch (outcome.changed, outcome.reloaded) {
                case (_, true): print("wrote \(files); the broker was told to reload them")
                case (true, false): print("wrote \(files); no broker pid file set: reload the broker yourself")
                case (false, false): print("\(files) are up to date")
                }
            }
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import SetragKernel
import SetragMQTT

/// A device's message on `setrag/telemetry/<deviceId>`: a batch `{"key": "<device key>", "fixes": [...]}` (the
/// fixes as in `POST /api/v1/positions`, 1 to 1,000), or one fix alone (`{"ts": ..., "lat": ..., "lon": ..., "speed":
/// ..., "heading": ..., "accuracy": ..., "seq": ...}`). The key may come as the MQTT 5 user property `key` instead, and
/// may be left out when the broker checked the device's login (see `TelemetryConsumer`).
struct TelemetryMessage: Decodable {
    static let fields: Set<String> = ["key", "fixes"]
    let key: String?
    let fixes: [FixJSON]

    enum CodingKeys: String, CodingKey { case key, fixes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FixJSON.Key.self)
        guard container.contains(.init(stringValue: "fixes")) else {
            // One fix alone (its fields are checked as a batch's are).
            key = nil
            fixes = [try FixJSON(from: decoder)]
            return
        }
        if let unknown = container.allKeys.first(where: { !Self.fields.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: [unknown], debugDescription: "unknown field"))
        }
        key = try container.decodeIfPresent(String.self, forKey: .init(stringValue: "key"))
        fixes = try container.decode([FixJSON].self, forKey: .init(stringValue: "fixes"))
    }

    static let topicPrefix = "setrag/telemetry/"

    /// The device id of a telemetry topic.
    static func deviceID(topic: String) -> String? {
        guard topic.hasPrefix(topicPrefix) else { return nil }
        let id = topic.dropFirst(topicPrefix.count)
        return id.isEmpty || id.contains("/") ? nil : String(id)
    }
}

/// Fixes over MQTT: a shared subscription (`$share/tracking/setrag/telemetry/+`, so tracking processes split the
/// devices' messages), each message checked as an HTTP batch is (device key, plausibility: a message with an
/// implausible fix is dropped whole and counted), then gathered and stored in batches: at most every
/// `flushInterval`, or as soon as `maxFixes` are waiting, in one transaction.
///
/// When `brokerChecksDevices` (tracking writes the broker's logins: `tracking.broker_auth_dir`), the broker lets only
/// device `<id>`, logged in with its key, publish on `setrag/telemetry/<id>`: a message without a key is then taken as
/// that device's. A key that is sent is always checked. Otherwise every message must carry its device's key.
///
/// The client acknowledges a message (QoS 1) when it arrives; fixes waiting for the next flush are lost if the
/// process dies meanwhile (telemetry, not business events: the next fixes replace them).
public struct TelemetryConsumer: Service {
    public static let filter = "$share/tracking/setrag/telemetry/+"

    let broker: MQTTClient
    let devices: DeviceDirectory
    let ingest: PositionIngest
    let flushInterval: Duration
    let maxFixes: Int
    let brokerChecksDevices: Bool
    let logger: Logger
    let now: @Sendable () -> Date
    let pending = PendingFixes()

    public init(broker: MQTTClient, devices: DeviceDirectory, ingest: PositionIngest, flushInterval: Duration,
                maxFixes: Int = 1000, brokerChecksDevices: Bool = false, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.broker = broker
        self.devices = devices
        self.ingest = ingest
        self.flushInterval = flushInterval
        self.maxFixes = maxFixes
        self.brokerChecksDevices = brokerChecksDevices
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        try await consume(try await subscribe())
    }

    /// The shared subscription (messages published from now on reach this consumer or another of the group).
    public func subscribe() async throws -> MQTTSubscription {
        try await broker.subscribe(Self.filter, qos: .atLeastOnce)
    }

    /// Reads the subscription until graceful shutdown or cancellation, then stores what is waiting.
    public func consume(_ subscription: MQTTSubscription) async throws {
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in subscription {
                        guard let (device, fixes) = await accept(message) else { continue }
                        // Storing runs beside reading; when far behind, reading waits (the broker keeps the rest).
                        var waiting = await pending.add(fixes, of: device)
                        while waiting >= maxFixes * 20 {
                            try await Task.sleep(for: .milliseconds(20))
                            waiting = await pending.count
                        }
                    }
                }
                group.addTask {
                    // Stores what waits every `flushInterval`, or as soon as `maxFixes` are waiting: one flush at a
                    // time, while messages keep being read.
                    var last = ContinuousClock.now
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(20))
                        if await pending.count >= maxFixes || ContinuousClock.now - last >= flushInterval {
                            last = ContinuousClock.now
                            await flush()
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        subscription.cancel()
        await flush()
    }

    /// The message's device and fixes, or nil (counted and logged) when it cannot be used.
    func accept(_ message: MQTTMessage) async -> (DeviceRecord, [Fix])? {
        let counters = ingest.counters
        guard let id = TelemetryMessage.deviceID(topic: message.topic),
              let decoded = try? JSONDecoder().decode(TelemetryMessage.self, from: Data(message.payload)),
              (1...PositionBatch.maxFixes).contains(decoded.fixes.count) else {
            counters.refused[.malformed]?.increment()
            logger.info("telemetry message refused", metadata: ["topic": "\(message.topic)", "reason": "malformed"])
            return nil
        }
        let device: DeviceRecord
        do {
            if let key = decoded.key ?? message.userProperty("key") {
                device = try await devices.authenticate(id: id, key: key)
            } else if brokerChecksDevices, let known = try await devices.known(id: id) {
                device = known
            } else {
                throw TrackingError.deviceUnauthorized
            }
        } catch {
            counters.refused[.unauthorized]?.increment()
            logger.info("telemetry message refused", metadata: ["topic": "\(message.topic)", "reason": "unauthorized"])
            return nil
        }
        let fixes = decoded.fixes.map(\.fix)
        do {
            try ingest.check(fixes, source: .mqtt, now: now())
        } catch {
            logger.info("telemetry message refused", metadata: ["topic": "\(message.topic)", "reason": "\(error)"])
            return nil
        }
        return (device, fixes)
    }

    /// Stores what is waiting, every device's fixes in one transaction; should that fail, each device's apart (so
    /// that one device's trouble cannot hold back the others').
    func flush() async {
        let waiting = await pending.take()
        guard !waiting.isEmpty else { return }
        do {
            _ = try await ingest.save(waiting, source: .mqtt, now: now())
            return
        } catch {
            logger.warning("telemetry batch not stored; storing per device", metadata: [
                "devices": "\(waiting.count)", "error": "\(error)"])
        }
        for (device, fixes) in waiting {
            do {
                _ = try await ingest.save(fixes, device: device, source: .mqtt, now: now())
            } catch {
                logger.warning("telemetry fixes not stored", metadata: [
                    "device_id": "\(device.id)", "fixes": "\(fixes.count)", "error": "\(error)",
                ])
            }
        }
    }
}

/// Fixes received and checked, waiting to be stored, by device.
actor PendingFixes {
    var byDevice: [Int: (device: DeviceRecord, fixes: [Fix])] = [:]
    var count = 0

    /// Adds; returns how many fixes are waiting now.
    func add(_ fixes: [Fix], of device: DeviceRecord) -> Int {
        byDevice[device.id, default: (device, [])].fixes += fixes
        byDevice[device.id]?.device = device
        count += fixes.count
        return count
    }

    func take() -> [(DeviceRecord, [Fix])] {
        defer {
            byDevice = [:]
            count = 0
        }
        return byDevice.values.sorted { $0.device.id < $1.device.id }.map { ($0.device, $0.fixes) }
    }
}

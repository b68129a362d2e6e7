import Foundation
import HummingbirdTesting
import SQLKit
import SetragKernel
import SetragMQTT
import SetragTesting
import Testing
@testable import Tracking

/// Broker logins: the hashes tracking makes are Mosquitto's own, and a real Mosquitto that reads the files tracking
/// writes lets each device publish its own fixes, and nothing else, with the key it was given last.
@Suite(.serialized)
struct BrokerAuthTests {
    /// A hash made by Debian's `mosquitto_passwd -b` (2.0.11) for the password `secretkey`.
    static let mosquittoVector = "$7$101$3NQr4wAozKLdLct2$"
        + "FE7E+loluBqtT9skNeSSBOwAGXkFe8lHpY637woRZxml1pjor79f0M4Zh8bVbHSeM2YQAWrK+qqI9Y+bE/UwiA=="

    @Test func hashesAreTheOnesMosquittoPasswdWrites() async throws {
        let salt = [UInt8](try #require(Data(base64Encoded: "3NQr4wAozKLdLct2")))
        #expect(try BrokerPassword.hash("secretkey", salt: salt, iterations: 101) == Self.mosquittoVector)
        #expect(BrokerPassword.verify("secretkey", hash: Self.mosquittoVector))
        #expect(!BrokerPassword.verify("secretkez", hash: Self.mosquittoVector))
        #expect(!BrokerPassword.verify("secretkey", hash: "$6$" + Self.mosquittoVector.dropFirst(3)))

        // The tool itself, now, for a device key: the same hash from its salt, and our check accepts its line.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("setrag-pw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("passwd").path
        let key = DeviceKey.make()
        #expect(try await run("/usr/bin/mosquitto_passwd", ["-c", "-b", file, "7", key]) == 0)
        let line = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        let written = String(try #require(line.split(separator: ":", maxSplits: 1).last))
        #expect(line.hasPrefix("7:$7$101$"))
        let parts = written.split(separator: "$")
        let theirSalt = [UInt8](try #require(Data(base64Encoded: String(parts[2]))))
        #expect(try BrokerPassword.hash(key, salt: theirSalt, iterations: 101) == written)
        #expect(BrokerPassword.verify(key, hash: written))

        // Ours: that format, a fresh 12-byte salt each time, a 64-byte hash.
        let ours = try BrokerPassword.hash(key)
        let fields = ours.split(separator: "$", omittingEmptySubsequences: false)
        #expect(fields.count == 5 && fields[1] == "7" && fields[2] == "101")
        #expect(Data(base64Encoded: String(fields[3]))?.count == 12)
        #expect(Data(base64Encoded: String(fields[4]))?.count == 64)
        #expect(try BrokerPassword.hash(key) != ours)
        #expect(BrokerPassword.verify(key, hash: ours))
    }

    @Test func onlyDevicesWithABrokerLoginGetALineAndThePlatformNeedsItsOwnLogin() throws {
        func device(_ id: Int, _ hash: String?) -> DeviceRecord {
            DeviceRecord(id: id, name: "d\(id)", kind: "locomotive", keyHash: [], brokerHash: hash, tripID: nil,
                         assignedAt: nil, createdAt: Date(), createdBy: "usr_ops")
        }
        let files = BrokerAuthFiles(devices: [device(3, "h3"), device(2, nil), device(1, "h1")],
                                    platformUser: "setrag-platform", platformHash: "ph")
        #expect(files.passwords == "setrag-platform:ph\n1:h1\n3:h3\n")
        #expect(files.acl.contains("\npattern write setrag/telemetry/%u\n"))
        #expect(files.acl.contains("\nuser setrag-platform\ntopic read setrag/telemetry/+\n"))

        // Writing the logins without the platform's own, or with a user name a device could have: start-up refused,
        // every problem named.
        let missing = Settings.values(["tracking.broker_auth_dir": "/tmp"])
        _ = TrackingModule.Options(missing)
        let problems = try #require(throws: SettingsError.self) { try missing.validate() }.problems
        #expect(problems.count == 1 && problems[0].hasPrefix("tracking.broker_auth_dir needs"))
        for name in ["12", "a:b", "a b", "setrag/#", ""] {
            let settings = Settings.values(["tracking.broker_auth_dir": "/tmp", "mqtt.username": name,
                                            "mqtt.password": "p"])
            _ = TrackingModule.Options(settings)
            #expect(throws: SettingsError.self, "\(name)") { try settings.validate() }
        }
        let fine = Settings.values(["tracking.broker_auth_dir": "/tmp", "tracking.broker_pid_file": "/tmp/b.pid",
                                    "mqtt.username": "setrag-platform", "mqtt.password": "p"])
        #expect(TrackingModule.Options(fine).brokerAuth?.pidFile == "/tmp/b.pid")
        try fine.validate()
        #expect(TrackingModule.Options(Settings.values([:])).brokerAuth == nil)
    }

    @Test func devicesLogInWithTheirKeyAndPublishOnlyOnTheirOwnTopic() async throws {
        // The broker's directory as script/lib/services.sh prepares it: empty files before the first start.
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("setrag-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwords = directory.appendingPathComponent(BrokerAuthFiles.passwordFileName).path
        let acl = directory.appendingPathComponent(BrokerAuthFiles.aclFileName).path
        let pidFile = directory.appendingPathComponent("mosquitto.pid").path
        for file in [passwords, acl] { try "".write(toFile: file, atomically: true, encoding: .utf8) }
        let broker = try TestBroker(persistence: false, allowAnonymous: false, extraConfiguration: [
            "password_file \(passwords)", "acl_file \(acl)", "pid_file \(pidFile)"])
        try await broker.start()
        defer { broker.kill() }
        let platformPassword = DeviceKey.make()

        try await TrackingFixture.run(settings: [
            "tracking.broker_auth_dir": directory.path, "tracking.broker_pid_file": pidFile,
            "mqtt.username": "setrag-platform", "mqtt.password": platformPassword,
        ]) { fixture, client in
            // Start-up (`serve`, `setrag mqtt-auth write`): the platform's login; written once, then left alone.
            let writer = try #require(fixture.parts.brokerAuth)
            #expect(try await writer.write() == .init(changed: true, reloaded: true))
            #expect(try await writer.write() == .init(changed: false, reloaded: false))
            let mode = try FileManager.default.attributesOfItem(atPath: passwords)[.posixPermissions] as? Int
            #expect(mode == 0o640)

            let listener = try await Self.login(broker, "tracking-1", "setrag-platform", platformPassword)
            let consumer = TrackingModule.telemetryConsumer(parts: fixture.parts, broker: listener,
                                                            logger: TestEnvironment.logger, now: fixture.clock.now)
            let subscription = try await consumer.subscribe()
            let running = Task { try await consumer.consume(subscription) }
            defer { running.cancel() }

            // Registered through the routes: the broker is told of each login before the key is handed out.
            let trip = try await fixture.trip()
            let (a, authorization) = try await fixture.device(client, trip: trip.id)
            let keyA = String(authorization.split(separator: ":").last!)
            let (b, _) = try await fixture.device(client)
            let written = try String(contentsOfFile: passwords, encoding: .utf8)
            #expect(written.hasPrefix("setrag-platform:$7$101$") && written.contains("\n\(a):$7$101$")
                && written.contains("\n\(b):$7$101$"))

            func fix(_ seq: Int) throws -> [UInt8] {
                Array(try fixture.json(IngestionTests.fix(ts: fixture.iso(Double(seq) - 100), 0.1, seq: seq)).utf8)
            }
            func stored(_ device: Int) async throws -> Int {
                try await fixture.count("SELECT COUNT(*) AS n FROM positions WHERE device_id = \(device)")
            }

            // Device a, logged in as itself: a fix alone, without its key (the broker checked it), is stored.
            let deviceA = try await Self.login(broker, "tracker-a", "\(a)", keyA)
            try await deviceA.publish(topic: "setrag/telemetry/\(a)", payload: try fix(1), qos: .atLeastOnce)
            #expect(try await TelemetryTests.eventually { try await stored(a) == 1 })

            // On device b's topic: the broker refuses it (PUBACK "not authorised"); it never reaches tracking.
            var refusal: Int32?
            do {
                try await deviceA.publish(topic: "setrag/telemetry/\(b)", payload: try fix(2), qos: .atLeastOnce)
            } catch MQTTError.publishFailed(let code, _) {
                refusal = code
            }
            #expect(refusal == 135)
            // (Mosquitto 2.0.11 then drops the connection; the client logs in again by itself.)
            try await Self.publish(deviceA, "setrag/telemetry/\(a)", try fix(3))
            #expect(try await TelemetryTests.eventually { try await stored(a) == 2 })
            #expect(try await stored(b) == 0)

            // Refused at CONNECT: a wrong key, no login at all, a's key under b's name, the platform's password.
            #expect(await Self.refused(broker, "\(a)", "wrong-key"))
            #expect(await Self.refused(broker, nil, nil))
            #expect(await Self.refused(broker, "\(b)", keyA))
            #expect(await Self.refused(broker, "\(a)", platformPassword))

            // A new key: the old one stops working (its connection is closed), the new one logs in.
            let ops = try fixture.token("usr_ops", .operator)
            let rekeyed = try await fixture.send(client, .post, "/api/v1/devices/\(a)/key",
                                                 authorization: "Bearer \(ops)")
            #expect(rekeyed.status == .ok)
            let newKey = try #require(rekeyed["key"] as? String)
            #expect(newKey != keyA && rekeyed["brokerLogin"] as? Bool == true)
            #expect((rekeyed["mqtt"] as? [String: Any])?["topic"] as? String == "setrag/telemetry/\(a)")
            #expect(await eventually { !deviceA.isConnected })
            #expect(await Self.refused(broker, "\(a)", keyA))
            let renewed = try await Self.login(broker, "tracker-a2", "\(a)", newKey)
            try await renewed.publish(topic: "setrag/telemetry/\(a)", payload: try fix(4), qos: .atLeastOnce)
            #expect(try await TelemetryTests.eventually { try await stored(a) == 3 })
            // Over HTTP too, the old key is refused at once.
            let http = try await fixture.send(client, .post, "/api/v1/positions", authorization: "Device \(a):\(keyA)",
                                              body: #"{"fixes": [\#(String(decoding: try fix(5), as: UTF8.self))]}"#)
            #expect(http.status == .unauthorized)
            // The platform's own connection outlived every reload.
            #expect(listener.isConnected)
            let unknown = try await fixture.send(client, .post, "/api/v1/devices/999999/key",
                                                 authorization: "Bearer \(ops)")
            #expect(unknown.status == .notFound)

            running.cancel()
            _ = try? await running.value
            for connection in [deviceA, renewed, listener] { await connection.disconnect() }
        }
    }

    /// A device registered before broker logins (no broker hash) has no line in the files until an operator gives
    /// it a new key; only tracking.manage may. Without a pid file the files are written and nothing is signalled.
    @Test func aDeviceRegisteredBeforeBrokerLoginsGetsOneWithItsNextKey() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("setrag-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwords = directory.appendingPathComponent(BrokerAuthFiles.passwordFileName).path
        try await TrackingFixture.run(settings: [
            "tracking.broker_auth_dir": directory.path, "mqtt.username": "setrag-platform", "mqtt.password": "pw",
        ]) { fixture, client in
            let (id, _) = try await fixture.device(client)
            _ = try await fixture.trackingDB.pool.exec(SQLRaw("UPDATE devices SET broker_hash = NULL WHERE id = \(id)"))
            let writer = try #require(fixture.parts.brokerAuth)
            #expect(try await writer.write() == .init(changed: true, reloaded: false))
            #expect(!(try String(contentsOfFile: passwords, encoding: .utf8)).contains("\n\(id):"))
            let ops = try fixture.token("usr_ops", .operator)
            let listed = try await fixture.send(client, .get, "/api/v1/devices", authorization: "Bearer \(ops)")
            #expect(listed.objects("devices").first?["brokerLogin"] as? Bool == false)

            let customer = try fixture.token("usr_cust", .customer)
            let refused = try await fixture.send(client, .post, "/api/v1/devices/\(id)/key",
                                                 authorization: "Bearer \(customer)")
            #expect(refused.status == .forbidden)
            let rekeyed = try await fixture.send(client, .post, "/api/v1/devices/\(id)/key",
                                                 authorization: "Bearer \(ops)")
            #expect(rekeyed.status == .ok && rekeyed["brokerLogin"] as? Bool == true)
            let key = try #require(rekeyed["key"] as? String)
            let line = try String(contentsOfFile: passwords, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("\(id):") }
            #expect(BrokerPassword.verify(key, hash: String(try #require(line).dropFirst("\(id):".count))))
        }
    }

    static func configuration(_ broker: TestBroker, _ clientID: String, _ user: String?, _ password: String?)
        -> MQTTConfiguration
    {
        var configuration = broker.configuration(clientID: clientID)
        configuration.username = user
        configuration.password = password
        return configuration
    }

    /// Logs in, trying again for a few seconds while the broker has not reloaded its logins yet (SIGHUP is handled
    /// by the broker's own loop, a moment after the signal).
    static func login(_ broker: TestBroker, _ clientID: String, _ user: String, _ password: String) async throws
        -> MQTTClient
    {
        var attempt = 0
        while true {
            let client = MQTTClient(configuration: configuration(broker, clientID, user, password),
                                    logger: TestEnvironment.logger)
            do {
                try await client.connect()
                return client
            } catch MQTTError.connectionRefused where attempt < 50 {
                await client.disconnect()
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Publishes at QoS 1, trying again for a few seconds while the client is reconnecting.
    static func publish(_ client: MQTTClient, _ topic: String, _ payload: [UInt8]) async throws {
        var attempt = 0
        while true {
            do {
                try await client.publish(topic: topic, payload: payload, qos: .atLeastOnce)
                return
            } catch MQTTError.notConnected where attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Whether the broker refuses this login with "not authorised" or "bad user name or password" (asked again for
    /// a few seconds while it still accepts it: a reload may be on its way).
    static func refused(_ broker: TestBroker, _ user: String?, _ password: String?) async -> Bool {
        for _ in 0..<50 {
            let client = MQTTClient(configuration: configuration(broker, "probe-\(UUID().uuidString)", user, password),
                                    logger: TestEnvironment.logger)
            do {
                try await client.connect()
                await client.disconnect()
                try? await Task.sleep(for: .milliseconds(100))
            } catch MQTTError.connectionRefused(let reason, _) {
                await client.disconnect()
                return reason == 134 || reason == 135
            } catch {
                await client.disconnect()
                return false
            }
        }
        return false
    }
}

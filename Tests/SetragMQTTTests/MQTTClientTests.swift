import Foundation
import SetragMQTT
import SetragTesting
import Testing

/// Each test starts its own Mosquitto (see `TestBroker`) on a free port.
@Suite("MQTTClient against Mosquitto", .timeLimit(.minutes(2)))
struct MQTTClientTests {
    @Test("QoS 0 and QoS 1 messages reach a subscriber")
    func roundTrip() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let subscriber = MQTTClient(configuration: broker.configuration(clientID: "rt-sub"), logger: testLogger("sub"))
        let publisher = MQTTClient(configuration: broker.configuration(clientID: "rt-pub"), logger: testLogger("pub"))
        try await subscriber.connect()
        try await publisher.connect()
        #expect(subscriber.isConnected && publisher.isConnected)

        let subscription = try await subscriber.subscribe("rt/#", qos: .atLeastOnce)
        #expect(subscription.topicFilter == "rt/#")
        let received = Received<MQTTMessage>()
        let consumer = collect(subscription, into: received) { $0 }

        try await publisher.publish(topic: "rt/zero", payload: bytes("hello 0"), qos: .atMostOnce)
        try await publisher.publish(topic: "rt/one", payload: bytes("hello 1"), qos: .atLeastOnce)
        try await publisher.publish(topic: "rt/empty", payload: [], qos: .atLeastOnce)
        #expect(await eventually { received.count == 3 })

        let byTopic = Dictionary(uniqueKeysWithValues: received.all.map { ($0.topic, $0) })
        #expect(byTopic["rt/zero"]?.payload.text == "hello 0")
        #expect(byTopic["rt/zero"]?.qos == .atMostOnce)
        #expect(byTopic["rt/one"]?.payload.text == "hello 1")
        #expect(byTopic["rt/one"]?.qos == .atLeastOnce)
        #expect(byTopic["rt/one"]?.retain == false)
        #expect(byTopic["rt/empty"]?.payload == [])

        await publisher.disconnect()
        await subscriber.disconnect()
        await consumer.value
    }

    @Test("messages of one publisher arrive in order")
    func ordering() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let subscriber = MQTTClient(configuration: broker.configuration(clientID: "ord-sub"), logger: testLogger("sub"))
        let publisher = MQTTClient(configuration: broker.configuration(clientID: "ord-pub"), logger: testLogger("pub"))
        try await subscriber.connect()
        try await publisher.connect()
        let received = Received<Int>()
        let consumer = collect(try await subscriber.subscribe("ord/t"), into: received) { Int($0.payload.text)! }
        // MQTT orders messages per QoS level (the broker may let a QoS 0 message overtake QoS 1
        // ones waiting for the subscriber's receive window).
        let isQoS0: @Sendable (Int) -> Bool = { $0 % 3 == 0 }
        for i in 0..<2_000 {
            try await publisher.publish(topic: "ord/t", payload: bytes("\(i)"), qos: isQoS0(i) ? .atMostOnce : .atLeastOnce)
        }
        #expect(await eventually { received.count == 2_000 })
        #expect(received.all.filter(isQoS0) == (0..<2_000).filter(isQoS0))
        #expect(received.all.filter { !isQoS0($0) } == (0..<2_000).filter { !isQoS0($0) })
        await publisher.disconnect()
        await subscriber.disconnect()
        await consumer.value
    }

    @Test("a QoS 1 publish completes only when the broker acknowledges it")
    func qos1WaitsForAck() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        var configuration = broker.configuration(clientID: "ack-pub")
        configuration.operationTimeout = .seconds(2)
        let client = MQTTClient(configuration: configuration, logger: testLogger("pub"))
        try await client.connect()
        try await client.publish(topic: "ack/t", payload: bytes("acked"), qos: .atLeastOnce)

        // A frozen broker keeps the TCP connection open but never sends PUBACK.
        broker.freeze()
        let start = ContinuousClock.now
        await #expect(throws: MQTTError.timeout) {
            try await client.publish(topic: "ack/t", payload: bytes("never acked"), qos: .atLeastOnce)
        }
        #expect(ContinuousClock.now - start >= .milliseconds(1_500))
        broker.thaw()

        // A crashed broker: the publish fails, whether or not the client noticed the crash yet.
        broker.kill()
        await #expect(throws: MQTTError.self) {
            try await client.publish(topic: "ack/t", payload: bytes("to a dead broker"), qos: .atLeastOnce)
        }
        #expect(await eventually { !client.isConnected })
        await #expect(throws: MQTTError.notConnected) {
            try await client.publish(topic: "ack/t", payload: bytes("while disconnected"), qos: .atLeastOnce)
        }
        await #expect(throws: MQTTError.notConnected) {
            try await client.publish(topic: "ack/t", payload: bytes("while disconnected"), qos: .atMostOnce)
        }
        await client.disconnect()
    }

    @Test("user name and password; a wrong password is refused")
    func credentials() async throws {
        let passwordFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("setrag-mqtt-passwd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let status = try await run("/usr/bin/mosquitto_passwd", ["-b", "-c", passwordFile, "setrag", "s3cret-Ω"])
        #expect(status == 0)

        let broker = try TestBroker(allowAnonymous: false, extraConfiguration: ["password_file \(passwordFile)"])
        try await broker.start()
        defer { broker.kill() }

        var good = broker.configuration(clientID: "cred-good")
        good.username = "setrag"
        good.password = "s3cret-Ω"
        let client = MQTTClient(configuration: good, logger: testLogger("good"))
        try await client.connect()
        #expect(client.isConnected)
        await client.disconnect()

        for (username, password) in [("setrag", "wrong"), ("nobody", "s3cret-Ω")] as [(String, String)] {
            var bad = broker.configuration(clientID: "cred-bad")
            bad.username = username
            bad.password = password
            let refused = MQTTClient(configuration: bad, logger: testLogger("bad"))
            for _ in 0..<2 {  // a refused client can try again, and is refused again
                await #expect {
                    try await refused.connect()
                } throws: { error in
                    guard case MQTTError.connectionRefused(let reason, _) = error else { return false }
                    return reason == 134 || reason == 135  // bad user name or password / not authorized
                }
                #expect(!refused.isConnected)
            }
            await refused.disconnect()
        }

        let anonymous = MQTTClient(configuration: broker.configuration(clientID: "cred-anon"), logger: testLogger("anon"))
        await #expect(throws: MQTTError.self) { try await anonymous.connect() }
        await anonymous.disconnect()
    }

    @Test("no broker listening: connectionRefused, and connect can be retried")
    func noBroker() async throws {
        let port = freeTCPPort()
        let client = MQTTClient(configuration: MQTTConfiguration(clientID: "nobody", port: port), logger: testLogger("c"))
        for _ in 0..<2 {
            await #expect {
                try await client.connect()
            } throws: { error in
                if case MQTTError.connectionRefused = error { return true }
                return false
            }
        }
        await client.disconnect()
    }

    @Test("a CA file that cannot be read is a TLS error")
    func badCAFile() async throws {
        var configuration = MQTTConfiguration(clientID: "tls-client", port: freeTCPPort())
        configuration.tls = MQTTTLS(caFile: "/nonexistent/setrag-ca.pem")
        let client = MQTTClient(configuration: configuration, logger: testLogger("tls"))
        await #expect {
            try await client.connect()
        } throws: { error in
            if case MQTTError.tls = error { return true }
            return false
        }
        await client.disconnect()
    }

    @Test("a shared subscription splits 1,000 messages between two clients, none lost or doubled")
    func sharedSubscription() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let first = MQTTClient(configuration: broker.configuration(clientID: "share-1"), logger: testLogger("s1"))
        let second = MQTTClient(configuration: broker.configuration(clientID: "share-2"), logger: testLogger("s2"))
        let publisher = MQTTClient(configuration: broker.configuration(clientID: "share-pub"), logger: testLogger("pub"))
        for client in [first, second, publisher] { try await client.connect() }
        let firstReceived = Received<Int>()
        let secondReceived = Received<Int>()
        let consumers = [
            collect(try await first.subscribe("$share/workers/share/t"), into: firstReceived) { Int($0.payload.text)! },
            collect(try await second.subscribe("$share/workers/share/t"), into: secondReceived) { Int($0.payload.text)! },
        ]

        for i in 0..<1_000 {
            try await publisher.publish(topic: "share/t", payload: bytes("\(i)"), qos: .atLeastOnce)
        }
        #expect(await eventually { firstReceived.count + secondReceived.count >= 1_000 })
        try await Task.sleep(for: .milliseconds(300))  // would-be duplicates have time to show up

        let a = firstReceived.all
        let b = secondReceived.all
        #expect(a.count + b.count == 1_000)
        #expect(Set(a).union(b) == Set(0..<1_000))
        #expect(Set(a).isDisjoint(with: b))
        #expect(!a.isEmpty && !b.isEmpty)

        for client in [first, second, publisher] { await client.disconnect() }
        for consumer in consumers { await consumer.value }
    }

    @Test("user properties travel with the message, in order")
    func userProperties() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let client = MQTTClient(configuration: broker.configuration(clientID: "props"), logger: testLogger("c"))
        try await client.connect()
        let received = Received<MQTTMessage>()
        let consumer = collect(try await client.subscribe("props/#"), into: received) { $0 }

        try await client.publish(
            topic: "props/a", payload: bytes("x"),
            userProperties: [("trace-id", "4bf92f35"), ("kind", "train.departed"), ("kind", "second")]
        )
        try await client.publish(
            topic: "props/b", payload: bytes("y"), qos: .atMostOnce,
            userProperties: [MQTTUserProperty(name: "gare", value: "Owendo → Franceville")]
        )
        try await client.publish(topic: "props/c", payload: bytes("z"))
        #expect(await eventually { received.count == 3 })

        let byTopic = Dictionary(uniqueKeysWithValues: received.all.map { ($0.topic, $0) })
        #expect(byTopic["props/a"]?.userProperties == [
            MQTTUserProperty("trace-id", "4bf92f35"), MQTTUserProperty("kind", "train.departed"),
            MQTTUserProperty("kind", "second"),
        ])
        #expect(byTopic["props/a"]?.userProperty("kind") == "train.departed")
        #expect(byTopic["props/b"]?.userProperties == [MQTTUserProperty("gare", "Owendo → Franceville")])
        #expect(byTopic["props/c"]?.userProperties == [])

        await client.disconnect()
        await consumer.value
    }

    @Test("overlapping subscriptions each get a message once")
    func overlappingSubscriptions() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let client = MQTTClient(configuration: broker.configuration(clientID: "overlap"), logger: testLogger("c"))
        try await client.connect()
        let wide = Received<String>()
        let narrow = Received<String>()
        let consumers = [
            collect(try await client.subscribe("ov/#"), into: wide) { $0.topic },
            collect(try await client.subscribe("ov/x"), into: narrow) { $0.topic },
        ]
        try await client.publish(topic: "ov/x", payload: bytes("1"))
        try await client.publish(topic: "ov/y", payload: bytes("2"))
        #expect(await eventually { wide.count >= 2 && narrow.count >= 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(wide.all.sorted() == ["ov/x", "ov/y"])
        #expect(narrow.all == ["ov/x"])
        await client.disconnect()
        for consumer in consumers { await consumer.value }
    }

    @Test("cancel ends one subscription and leaves the others")
    func cancelSubscription() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let client = MQTTClient(configuration: broker.configuration(clientID: "cancel"), logger: testLogger("c"))
        try await client.connect()
        let first = try await client.subscribe("cx/#")
        let second = try await client.subscribe("cx/#")
        let firstReceived = Received<String>()
        let secondReceived = Received<String>()
        let firstConsumer = collect(first, into: firstReceived) { $0.payload.text }
        let secondConsumer = collect(second, into: secondReceived) { $0.payload.text }

        try await client.publish(topic: "cx/a", payload: bytes("a"))
        #expect(await eventually { firstReceived.count == 1 && secondReceived.count == 1 })
        first.cancel()
        await firstConsumer.value  // the cancelled stream ends
        try await client.publish(topic: "cx/b", payload: bytes("b"))
        #expect(await eventually { secondReceived.count == 2 })
        #expect(firstReceived.all == ["a"])
        #expect(secondReceived.all == ["a", "b"])

        second.cancel()
        await secondConsumer.value
        await client.disconnect()
    }

    @Test("disconnect finishes streams and pending calls, and is idempotent")
    func cleanShutdown() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        var configuration = broker.configuration(clientID: "shutdown")
        configuration.operationTimeout = .seconds(30)
        let client = MQTTClient(configuration: configuration, logger: testLogger("c"))
        try await client.connect()
        let received = Received<String>()
        let consumers = [
            collect(try await client.subscribe("down/a"), into: received) { $0.topic },
            collect(try await client.subscribe("down/#", qos: .atMostOnce), into: received) { $0.topic },
        ]

        // A publish waiting for its PUBACK when disconnect() comes is resumed with .closed.
        broker.freeze()
        let pending = Task { try await client.publish(topic: "down/a", payload: bytes("stuck")) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        await client.disconnect()
        #expect(ContinuousClock.now - start < .seconds(5))
        await #expect(throws: MQTTError.closed) { try await pending.value }
        broker.thaw()

        for consumer in consumers { await consumer.value }  // both streams ended
        #expect(!client.isConnected)
        await client.disconnect()  // harmless
        await #expect(throws: MQTTError.closed) { try await client.publish(topic: "down/a", payload: []) }
        await #expect(throws: MQTTError.closed) { _ = try await client.subscribe("down/b") }
        await #expect(throws: MQTTError.closed) { try await client.connect() }
    }

    @Test("after a restart that lost the session, the client subscribes again by itself")
    func resubscribesAfterRestart() async throws {
        let broker = try TestBroker(persistence: false)
        try await broker.start()
        defer { broker.kill() }
        let subscriber = MQTTClient(configuration: broker.configuration(clientID: "resub-sub"), logger: testLogger("sub"))
        let publisher = MQTTClient(configuration: broker.configuration(clientID: "resub-pub"), logger: testLogger("pub"))
        try await subscriber.connect()
        try await publisher.connect()
        let received = Received<String>()
        let consumer = collect(try await subscriber.subscribe("rs/#"), into: received) { $0.payload.text }
        try await publisher.publish(topic: "rs/t", payload: bytes("before"))
        #expect(await eventually { received.all.contains("before") })

        try await broker.stop()
        #expect(await eventually { !subscriber.isConnected && !publisher.isConnected })
        // Subscribing while disconnected waits for the reconnection.
        let late = Task { try await subscriber.subscribe("late/#") }
        try await broker.start()
        let lateSubscription = try await late.value
        let lateReceived = Received<String>()
        let lateConsumer = collect(lateSubscription, into: lateReceived) { $0.payload.text }
        #expect(await eventually(timeout: .seconds(20)) { subscriber.isConnected && publisher.isConnected })

        // The broker forgot everything: only the client's re-subscription brings messages back.
        let delivered = await eventually(timeout: .seconds(10), interval: .milliseconds(200)) {
            Task { try? await publisher.publish(topic: "rs/t", payload: bytes("after")) }
            return received.all.contains("after")
        }
        #expect(delivered)
        try await publisher.publish(topic: "late/t", payload: bytes("late"))
        #expect(await eventually { lateReceived.all.contains("late") })

        await publisher.disconnect()
        await subscriber.disconnect()
        await consumer.value
        await lateConsumer.value
    }

    @Test("broker restart mid-stream: every acknowledged message reaches the persistent subscriber")
    func restartMidStream() async throws {
        let broker = try TestBroker(persistence: true)
        try await broker.start()
        defer { broker.kill() }

        var subscriberConfiguration = broker.configuration(clientID: "stream-sub")
        subscriberConfiguration.cleanStart = false
        subscriberConfiguration.sessionExpiry = 3_600
        let subscriber = MQTTClient(configuration: subscriberConfiguration, logger: testLogger("sub"))
        let publisher = MQTTClient(configuration: broker.configuration(clientID: "stream-pub"), logger: testLogger("pub"))
        try await subscriber.connect()
        try await publisher.connect()
        let received = Received<Int>()
        let consumer = collect(try await subscriber.subscribe("stream/t", qos: .atLeastOnce), into: received) {
            Int($0.payload.text)!
        }

        // Four concurrent publishers (so that messages are in flight when the broker stops),
        // each retrying a number until it is acknowledged.
        let total = 6_000
        let acked = Received<Int>()
        let failures = Received<String>()
        let workers = (0..<4).map { worker in
            Task {
                let deadline = ContinuousClock.now + .seconds(60)
                for i in stride(from: worker, to: total, by: 4) {
                    while ContinuousClock.now < deadline {
                        do {
                            try await publisher.publish(topic: "stream/t", payload: bytes("\(i)"), qos: .atLeastOnce)
                            acked.append(i)
                            break
                        } catch {
                            failures.append("\(error)")
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
        }

        #expect(await eventually(timeout: .seconds(30)) { acked.count >= 1_000 })
        try await broker.stop()  // SIGTERM: graceful, saves the persistence file
        let ackedBeforeRestart = acked.count
        #expect(await eventually { !subscriber.isConnected && !publisher.isConnected })
        try await broker.start()  // same port, same persistence directory
        for worker in workers { await worker.value }

        #expect(ackedBeforeRestart < total, "the stream should go on after the restart")
        #expect(acked.count == total)
        // Messages in flight at the stop were sent again after the reconnection and acknowledged
        // then; a publish made while disconnected failed and was retried by its worker.
        print("restart mid-stream: \(ackedBeforeRestart) acknowledged before the restart, \(failures.count) publish failures retried, \(received.count) deliveries for \(total) messages")
        let allArrived = await eventually(timeout: .seconds(30)) { received.set.isSuperset(of: acked.set) }
        let missing = acked.set.subtracting(received.set)
        #expect(allArrived, "\(missing.count) acknowledged messages missing, e.g. \(missing.sorted().prefix(10))")
        #expect(subscriber.isConnected && publisher.isConnected)

        await publisher.disconnect()
        await subscriber.disconnect()
        await consumer.value
    }

    @Test("a persistent session keeps messages while the subscriber is away, also after it reconnected by itself")
    func persistentSession() async throws {
        let broker = try TestBroker(persistence: true)
        try await broker.start()
        defer { broker.kill() }
        var configuration = broker.configuration(clientID: "away-sub")
        configuration.cleanStart = false
        configuration.sessionExpiry = 3_600

        let first = MQTTClient(configuration: configuration, logger: testLogger("sub1"))
        try await first.connect()
        // (Keep the subscription: a sequence dropped without being iterated ends, and UNSUBSCRIBEs.)
        let firstSubscription = try await first.subscribe("away/t", qos: .atLeastOnce)
        // A reconnection made by the client itself must ask for the same session expiry again,
        // or the broker would drop the session at the next disconnection.
        try await broker.stop()
        try await broker.start()
        #expect(await eventually(timeout: .seconds(20)) { first.isConnected })
        await first.disconnect()
        withExtendedLifetime(firstSubscription) {}

        let publisher = MQTTClient(configuration: broker.configuration(clientID: "away-pub"), logger: testLogger("pub"))
        try await publisher.connect()
        for i in 0..<100 {
            try await publisher.publish(topic: "away/t", payload: bytes("\(i)"), qos: .atLeastOnce)
        }
        await publisher.disconnect()

        // Subscribing before connect() catches what the broker delivers right after CONNACK.
        let second = MQTTClient(configuration: configuration, logger: testLogger("sub2"))
        let received = Received<Int>()
        let consumer = collect(try await second.subscribe("away/t", qos: .atLeastOnce), into: received) {
            Int($0.payload.text)!
        }
        try await second.connect()
        #expect(await eventually { received.set == Set(0..<100) })
        await second.disconnect()
        await consumer.value
    }
}

import Foundation
@testable import SetragMQTT
import SetragTesting
import Testing

@Suite("MQTTClient lifecycle", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("after disconnect the client's engine is freed (no thread or reference left behind)")
    func engineIsFreed() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        weak var engine: ClientCore?
        do {
            let client = MQTTClient(configuration: broker.configuration(clientID: "freed"), logger: testLogger("c"))
            engine = client.core
            try await client.connect()
            let received = Received<String>()
            let consumer = collect(try await client.subscribe("freed/#"), into: received) { $0.topic }
            try await client.publish(topic: "freed/a", payload: bytes("x"))
            #expect(await eventually { received.count == 1 })
            await client.disconnect()
            await consumer.value
        }
        #expect(await eventually { engine == nil })
    }

    @Test("a client dropped without disconnect ends its streams and stops its thread")
    func droppedClient() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        weak var engine: ClientCore?
        let consumer: Task<Void, Never>
        do {
            let client = MQTTClient(configuration: broker.configuration(clientID: "dropped"), logger: testLogger("c"))
            engine = client.core
            try await client.connect()
            consumer = collect(try await client.subscribe("dropped/#"), into: Received<String>()) { $0.topic }
        }
        await consumer.value  // the stream ended with the client
        #expect(await eventually { engine == nil })
    }

    @Test("a cancelled publish stops waiting for its acknowledgement")
    func cancelledPublish() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        let client = MQTTClient(configuration: broker.configuration(clientID: "cancel-pub"), logger: testLogger("c"))
        try await client.connect()
        broker.freeze()
        let publish = Task { try await client.publish(topic: "cp/t", payload: bytes("x")) }
        try await Task.sleep(for: .milliseconds(100))
        publish.cancel()
        await #expect(throws: CancellationError.self) { try await publish.value }
        broker.thaw()
        await client.disconnect()
    }

    @Test("many connect/disconnect cycles, and concurrent publishers")
    func cycles() async throws {
        let broker = try TestBroker()
        try await broker.start()
        defer { broker.kill() }
        for cycle in 0..<10 {
            let client = MQTTClient(configuration: broker.configuration(clientID: "cycle-\(cycle)"), logger: testLogger("c"))
            async let first: Void = client.connect()
            async let second: Void = client.connect()  // joins the first attempt
            _ = try await (first, second)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for i in 0..<25 {
                            try await client.publish(
                                topic: "cycle/\(task)", payload: bytes("\(i)"), qos: i % 2 == 0 ? .atLeastOnce : .atMostOnce
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
            async let closeA: Void = client.disconnect()
            async let closeB: Void = client.disconnect()
            _ = await (closeA, closeB)
            #expect(!client.isConnected)
        }
    }
}

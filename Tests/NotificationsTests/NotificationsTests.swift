import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import SMSSimulator
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragTesting
import Testing
@testable import Notifications

/// Booking's notices become text messages to the booking's contact phone: queued once per event in the delivery
/// log, sent through the SMS gateway's API (against its simulator, on a real port), tried again while the gateway is
/// down, and never sent to a number that cannot take one.
@Suite(.serialized)
struct NotificationsTests {
    struct Harness: Sendable {
        let db: TestDatabase
        let parts: NotificationsModule.Parts
        let crypto: FieldCrypto
        let simulator: SMSSimulator
        let gatewayURL: String

        /// Booking's event, as it comes over MQTT or in booking's feed, the phone sealed as booking seals it.
        func event(pnr: String, phone: String, kind: String = "trip-cancelled", sequence: UInt64) throws
            -> EventEnvelope
        {
            let sealed = try crypto.seal(phone, context: "events:BookingNoticeIssued:\(pnr):contact_phone")
            let payload: [String: Any] = [
                "pnr": pnr, "kind": kind, "contactPhone": sealed.base64EncodedString(),
                "messageFr": "SETRAG a annulé le train 211 du 2026-12-01 (voie coupée). Réservation \(pnr) : échange "
                    + "gratuit ou remboursement intégral.",
                "messageEn": "SETRAG has cancelled train 211 of 2026-12-01. Booking \(pnr): free exchange or full "
                    + "refund.",
                "issuedAt": "2026-11-28T08:00:0\(sequence)Z",
            ]
            let envelope: [String: Any] = [
                "sequence": sequence, "id": UUID().uuidString.lowercased(), "service": "booking",
                "name": "BookingNoticeIssued", "version": 1, "occurredAt": "2026-11-28T08:00:00Z",
                "payload": String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self),
            ]
            return try EventEnvelope.decode(from: [UInt8](try JSONSerialization.data(withJSONObject: envelope)))
        }

        func consumer() -> EventConsumer {
            // Never connected: the tests apply events directly.
            let broker = MQTTClient(configuration: MQTTConfiguration(clientID: "notifications-test-\(UUID())"),
                                    logger: TestEnvironment.logger)
            return parts.notices.consumer(broker: broker, feed: EmptyFeed())
        }
    }

    struct EmptyFeed: EventFeed {
        func events(after sequence: UInt64, limit: Int) async throws -> [EventEnvelope] { [] }
    }

    static func run(key: String = "sms-key", _ test: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let db = try await TestEnvironment.freshDatabase("notify")
        do {
            try await db.migrate(NotificationsModule.definition.migrations)
            let (gateway, simulator) = SMSServer.build(apiKey: "sms-key", port: 0, logger: TestEnvironment.logger)
            try await gateway.test(.live) { client in
                let url = "http://127.0.0.1:\(try #require(client.port))"
                let settings = TestEnvironment.settings([
                    "notifications.sms.url": url, "notifications.sms.api_key": key,
                ])
                let options = NotificationsModule.Options(settings)
                try settings.validate()
                let parts = NotificationsModule.parts(database: db.pool, options: options, http: .shared,
                                                      logger: TestEnvironment.logger)
                try await test(Harness(db: db, parts: parts, crypto: options.crypto!, simulator: simulator,
                                       gatewayURL: url))
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    @Test func aNoticeIsTextedOnceToTheBookingsPhone() async throws {
        try await Self.run { harness in
            let event = try harness.event(pnr: "K7M2QX", phone: "074 12 34 56", sequence: 1)
            let consumer = harness.consumer()
            #expect(try await consumer.apply(event))
            #expect(try await consumer.apply(event) == false)  // redelivered: nothing more
            #expect(try await harness.parts.sender.sendDue(now: Date()) == 1)
            #expect(try await harness.parts.sender.sendDue(now: Date()) == 0)
            let messages = await harness.simulator.messages()
            #expect(messages.map(\.to) == ["+24174123456"] && messages.map(\.from) == ["SETRAG"])
            #expect(messages.first?.text.hasPrefix("SETRAG a annulé le train 211") == true)
            let log = try await harness.parts.store.deliveries(pnr: "K7M2QX")
            #expect(log.map(\.status) == ["sent"] && log.map(\.attempts) == [1] && log.map(\.kind) == ["trip-cancelled"])
            // The recipient is sealed in the log, never stored in clear.
            let raw = try await harness.db.pool.raw("SELECT COUNT(*) AS n FROM deliveries WHERE body LIKE '%74123456%' OR HEX(recipient_enc) LIKE HEX('%74123456%')")
                .first(decoding: CountRow.self)?.n
            #expect(raw == 0)
        }
    }

    @Test func whileTheGatewayIsDownTheMessageWaitsAndGoesOnce() async throws {
        try await Self.run { harness in
            #expect(try await harness.consumer().apply(try harness.event(pnr: "A3B4C5", phone: "062123456", sequence: 1)))
            await harness.simulator.outage(requests: 1)
            let now = Date()
            #expect(try await harness.parts.sender.sendDue(now: now) == 0)
            let waiting = try await harness.parts.store.deliveries(pnr: "A3B4C5")
            #expect(waiting.map(\.status) == ["queued"] && waiting.map(\.attempts) == [1])
            // Not before its time; then sent, once.
            #expect(try await harness.parts.sender.sendDue(now: now.addingTimeInterval(1)) == 0)
            #expect(try await harness.parts.sender.sendDue(now: now.addingTimeInterval(6)) == 1)
            #expect(await harness.simulator.messages().map(\.to) == ["+24162123456"])
            #expect(try await harness.parts.store.deliveries(pnr: "A3B4C5").map(\.status) == ["sent"])
        }
    }

    @Test func aFixedLineOrAnUnreadableNumberIsNeverSent() async throws {
        try await Self.run { harness in
            let consumer = harness.consumer()
            #expect(try await consumer.apply(try harness.event(pnr: "D6E7F8", phone: "011 44 55 66", sequence: 1)))
            var broken = try harness.event(pnr: "G9H2J3", phone: "074123456", sequence: 2)
            broken.payload = broken.payload.replacingOccurrences(of: "\"contactPhone\":\"", with: "\"contactPhone\":\"x")
            #expect(try await consumer.apply(broken))
            #expect(try await harness.parts.sender.sendDue(now: Date()) == 0)
            #expect(await harness.simulator.messages().isEmpty)
            #expect(try await harness.parts.store.deliveries(pnr: "D6E7F8").map(\.status) == ["undeliverable"])
            #expect(try await harness.parts.store.deliveries(pnr: "G9H2J3").map(\.status) == ["undeliverable"])
        }
    }

    @Test func aMessageTheGatewayRefusesFailsForGood() async throws {
        try await Self.run(key: "not-the-key") { (harness: Harness) async throws in
            #expect(try await harness.consumer().apply(try harness.event(pnr: "K7M2QX", phone: "077123456", sequence: 1)))
            #expect(try await harness.parts.sender.sendDue(now: Date()) == 0)
            #expect(try await harness.parts.store.deliveries(pnr: "K7M2QX").map(\.status) == ["failed"])
            #expect(try await harness.parts.sender.sendDue(now: Date().addingTimeInterval(7200)) == 0)
        }
    }

    @Test func theGatewaysWireFormat() async throws {
        try await Self.run { harness in
            let gateway = SMSGateway(baseURL: harness.gatewayURL, apiKey: "sms-key", sender: "SETRAG", http: .shared)
            let first = try await gateway.send(to: "+24174000001", text: "Bonjour", reference: "ref-1")
            // The same reference again: the same message, not a second one.
            let again = try await gateway.send(to: "+24174000001", text: "Bonjour", reference: "ref-1")
            #expect(again == first)
            #expect(await harness.simulator.messages().count == 1 && first.segments == 1)
            let long = try await gateway.send(to: "+24174000001", text: String(repeating: "é", count: 100),
                                              reference: "ref-2")
            #expect(long.segments == 1)
            let ucs2 = try await gateway.send(to: "+24174000001", text: String(repeating: "ŋ", count: 100),
                                              reference: "ref-3")
            #expect(ucs2.segments == 2)
            await #expect(throws: SMSSendError.self) {
                try await gateway.send(to: "+24111000001", text: "fixed line", reference: "ref-4")
            }
            do throws(SMSSendError) {
                _ = try await SMSGateway(baseURL: harness.gatewayURL, apiKey: "wrong", sender: "SETRAG", http: .shared)
                    .send(to: "+24174000001", text: "x", reference: "ref-5")
                Issue.record("a wrong key was accepted")
            } catch {
                guard case .refused(let status, _) = error else { Issue.record("\(error)"); return }
                #expect(status == 401)
            }
            do throws(SMSSendError) {
                _ = try await SMSGateway(baseURL: "http://127.0.0.1:1", apiKey: "sms-key", sender: "SETRAG",
                                         http: .shared, timeout: .seconds(2))
                    .send(to: "+24174000001", text: "x", reference: "ref-6")
                Issue.record("an unreachable gateway answered")
            } catch {
                guard case .retry = error else { Issue.record("\(error)"); return }
            }
        }
    }
}

struct CountRow: Decodable { let n: Int }

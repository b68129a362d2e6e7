import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Inventory

/// Access tokens as identity signs them (Ed25519, `typ: at+jwt`), for inventory's verifier fed with `jwks`.
struct TokenMaker: Sendable {
    let key = Curve25519.Signing.PrivateKey()

    var jwks: String {
        let x = key.publicKey.rawRepresentation.base64URLEncoded
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"inv-test","x":"\#(x)"}]}"#
    }

    func token(_ subject: String, _ roles: Role...) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = try JSONSerialization.data(withJSONObject: ["alg": "EdDSA", "typ": "at+jwt", "kid": "inv-test"])
        let claims = try JSONSerialization.data(withJSONObject: [
            "iss": "http://127.0.0.1:8080", "sub": subject, "aud": ["setrag-api"], "exp": now + 600, "iat": now,
            "jti": "at_\(UUID().uuidString)", "client_id": "setrag-web", "roles": roles.map(\.rawValue),
        ] as [String: Any])
        let signed = "\(header.base64URLEncoded).\(claims.base64URLEncoded)"
        return "\(signed).\(Data(try key.signature(for: Data(signed.utf8))).base64URLEncoded)"
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// SETRAG cancels a trip: operations only, the trip leaves sales, and `TripCancelled` goes to the outbox in the same
/// transaction, once.
@Suite(.serialized)
struct TripCancelTests {
    static func cancel(_ client: any TestClientProtocol, trip: Any, token: String?, body: String?) async throws
        -> JSONAnswer
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: "/api/v1/trips/\(trip)/cancel", method: .post, headers: headers,
                                                body: body.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        return JSONAnswer(status: response.status, contentType: response.headers[.contentType], body: object ?? [:])
    }

    static func events(_ fixture: InventoryFixture) async throws -> [EventEnvelope] {
        try await Outbox.events(after: 0, limit: 100, service: "inventory", on: fixture.db.pool)
    }

    struct StatusRow: Decodable { let status: String }

    static func status(_ fixture: InventoryFixture, trip: Int) async throws -> String? {
        try await fixture.db.pool.raw("SELECT status FROM trips WHERE id = \(bind: trip)")
            .first(decoding: StatusRow.self)?.status
    }

    @Test func anOperatorCancelsATripOnceItLeavesSalesAndItsEventIsInTheOutbox() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let trip = try await HoldTests.express(fixture)
            let date = fixture.next(2, after: fixture.today.adding(days: 1))
            let search = "/api/v1/trips?from=OWE&to=FCV&date=\(date)&passengers=1"
            #expect(try await get(client, search).objects("trips").contains { $0["id"] as? Int == trip })

            let operatorToken = try tokens.token("usr_ops", .operator)
            let reason = "Déraillement d'un train de minerai entre Ndjolé et Booué"
            let first = try await Self.cancel(client, trip: trip, token: operatorToken,
                                              body: #"{"reason": "  \#(reason) "}"#)
            #expect(first.status == .ok)
            #expect(first["status"] as? String == "cancelled")
            #expect(first["tripId"] as? Int == trip && first["trainNumber"] as? Int == 211)
            #expect(first["serviceDate"] as? String == date.description)
            #expect(first["reason"] as? String == reason)
            #expect(try await Self.status(fixture, trip: trip) == "cancelled")

            // Gone from search; holds refuse it.
            #expect(try await get(client, search).objects("trips").contains { $0["id"] as? Int == trip } == false)
            let hold = try await HoldTests.post(client, "/internal/holds", [
                "tripId": trip, "from": "OWE", "to": "FCV", "class": "second", "count": 1, "reference": "PNR001",
            ])
            #expect(hold.status == .conflict)

            // One event, with the schema of TripCancelled v1, also in the catch-up feed.
            let events = try await Self.events(fixture)
            try #require(events.count == 1)
            #expect(events[0].name == "TripCancelled" && events[0].version == 1 && events[0].service == "inventory")
            #expect(events[0].topic == "setrag/events/inventory/TripCancelled")
            let payload = try events[0].decode(TripCancelled.self)
            #expect(payload.tripId == trip && payload.trainNumber == 211 && payload.serviceDate == date.description)
            #expect(payload.reason == reason)
            let object = try JSONSerialization.jsonObject(with: Data(events[0].payload.utf8)) as? [String: Any]
            #expect(Set(object?.keys.map { $0 } ?? []) == ["tripId", "trainNumber", "serviceDate", "reason",
                                                           "cancelledAt"])
            let feed = try await get(client, "/internal/events?after=0")
            #expect(feed.objects("events").map { $0["id"] as? String } == [events[0].id])
            #expect(try await get(client, "/internal/events?after=\(events[0].sequence)").objects("events").isEmpty)

            // Again, even with another reason: the same answer, no second event.
            let again = try await Self.cancel(client, trip: trip, token: operatorToken, body: #"{"reason": "autre"}"#)
            #expect(again.status == .ok)
            #expect(again["reason"] as? String == reason)
            #expect(again["cancelledAt"] as? String == first["cancelledAt"] as? String)
            #expect(try await Self.events(fixture).count == 1)
        }
    }

    @Test func onlyOperationsMayCancelATrip() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let trip = try await HoldTests.express(fixture)
            let body = #"{"reason": "Grève"}"#
            let customer = try await Self.cancel(client, trip: trip, token: try tokens.token("usr_c", .customer),
                                                 body: body)
            #expect(customer.status == .forbidden)
            #expect(customer.contentType == "application/problem+json")
            let conductor = try await Self.cancel(client, trip: trip, token: try tokens.token("usr_k", .conductor),
                                                  body: body)
            #expect(conductor.status == .forbidden)
            #expect(try await Self.cancel(client, trip: trip, token: nil, body: body).status == .unauthorized)
            #expect(try await Self.status(fixture, trip: trip) == "scheduled")
            #expect(try await Self.events(fixture).isEmpty)
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        let tokens = TokenMaker()
        let fixture = try await InventoryFixture.make(weeks: 2, jwks: tokens.jwks)
        try await fixture.run { client in
            let trip = try await HoldTests.express(fixture)
            let token = try tokens.token("usr_ops", .operator)
            let ok = #"{"reason": "Grève"}"#
            for unknown in ["999999", "0", "-3", "abc", "99999999999999999999"] as [Any] {
                let answer = try await Self.cancel(client, trip: unknown, token: token, body: ok)
                #expect(answer.status == .notFound, "\(unknown)")
                #expect(answer.contentType == "application/problem+json")
            }
            let long = String(repeating: "é", count: 201)
            for body in [#"{}"#, #"{"reason": ""}"#, #"{"reason": "   "}"#, #"{"reason": "\#(long)"}"#,
                         #"{"reason": 12}"#, #"{"reason": "ok", "extra": 1}"#, #"{"reason": "a\u0007b"}"#] {
                let answer = try await Self.cancel(client, trip: trip, token: token, body: body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.contentType == "application/problem+json")
            }
            #expect(try await Self.cancel(client, trip: trip, token: token, body: "{nope").status == .badRequest)
            #expect(try await Self.cancel(client, trip: trip, token: token, body: nil).status.code < 500)
            // 200 characters is fine.
            let longest = String(repeating: "é", count: 200)
            #expect(try await Self.cancel(client, trip: trip, token: token,
                                          body: #"{"reason": "\#(longest)"}"#).status == .ok)
            #expect(try await Self.events(fixture).count == 1)
        }
    }

    /// The event is written in the cancellation's transaction: when writing it fails, the trip is not cancelled.
    @Test func aFailedCancellationWritesNeitherTheTripNorTheEvent() async throws {
        let fixture = try await InventoryFixture.make(weeks: 2)
        try await fixture.run { _ in
            let trip = try await HoldTests.express(fixture)
            _ = try await fixture.db.pool.exec(SQLRaw("RENAME TABLE event_outbox TO event_outbox_away"))
            await #expect(throws: (any Error).self) {
                try await fixture.parts.store.cancel(trip: trip, reason: "Grève", requestID: nil, now: Date())
            }
            _ = try await fixture.db.pool.exec(SQLRaw("RENAME TABLE event_outbox_away TO event_outbox"))
            #expect(try await Self.status(fixture, trip: trip) == "scheduled")
            #expect(try await Self.events(fixture).isEmpty)

            let done = try await fixture.parts.store.cancel(trip: trip, reason: "Grève", requestID: "req-1",
                                                            now: Date())
            #expect(done?.changed == true)
            #expect(try await Self.status(fixture, trip: trip) == "cancelled")
            let events = try await Self.events(fixture)
            #expect(events.count == 1 && events.first?.requestId == "req-1")
            #expect(try await fixture.parts.store.cancel(trip: 999_999, reason: "x", requestID: nil, now: Date())
                        == nil)
        }
    }
}

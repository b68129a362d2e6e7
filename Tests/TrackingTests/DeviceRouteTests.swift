import Crypto
import Foundation
import HummingbirdTesting
import SQLKit
import SetragKernel
import Testing
@testable import Tracking

/// Operators register devices (a key shown once, kept hashed) and assign them to dated trips.
@Suite(.serialized)
struct DeviceRouteTests {
    struct KeyRow: Decodable {
        let key_hash: Data
        let trip_id: Int?
    }

    @Test func operatorsRegisterDevicesWhoseKeyIsShownOnceAndKeptHashed() async throws {
        try await TrackingFixture.run { fixture, client in
            let body = #"{"name": "CC 401 GPS", "kind": "locomotive"}"#
            let anonymous = try await fixture.send(client, .post, "/api/v1/devices", body: body)
            #expect(anonymous.status == .unauthorized)
            let customer = try fixture.token("usr_cust", .customer)
            let refused = try await fixture.send(client, .post, "/api/v1/devices", authorization: "Bearer \(customer)",
                                                 body: body)
            #expect(refused.status == .forbidden)
            #expect(try await fixture.count("SELECT COUNT(*) AS n FROM devices") == 0)

            let ops = try fixture.token("usr_ops", .operator)
            let created = try await fixture.send(client, .post, "/api/v1/devices", authorization: "Bearer \(ops)",
                                                 body: body)
            #expect(created.status == .created)
            let id = try #require(created["id"] as? Int)
            let key = try #require(created["key"] as? String)
            #expect(created["authorization"] as? String == "Device \(id):\(key)")
            #expect(created["name"] as? String == "CC 401 GPS" && created["kind"] as? String == "locomotive")
            #expect(created["tripId"] is NSNull)
            let row = try #require(try await fixture.trackingDB.pool.raw(
                "SELECT key_hash, trip_id FROM devices WHERE id = \(bind: id)").first(decoding: KeyRow.self))
            #expect([UInt8](row.key_hash) == Array(SHA256.hash(data: Data(key.utf8))))

            // The list never shows a key again.
            let list = try await fixture.send(client, .get, "/api/v1/devices", authorization: "Bearer \(ops)")
            #expect(list.status == .ok)
            #expect(list.objects("devices").map { $0["id"] as? Int } == [id])
            #expect(list.objects("devices").allSatisfy { $0["key"] == nil && $0["authorization"] == nil })
            let customerList = try await fixture.send(client, .get, "/api/v1/devices",
                                                      authorization: "Bearer \(customer)")
            #expect(customerList.status == .forbidden)

            let bad = try await fixture.send(client, .post, "/api/v1/devices", authorization: "Bearer \(ops)",
                                             body: #"{"name": " ", "kind": "balloon"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.errors == ["name:invalid", "kind:invalid"])
            #expect(bad.contentType == "application/problem+json")
            let extra = try await fixture.send(client, .post, "/api/v1/devices", authorization: "Bearer \(ops)",
                                               body: #"{"name": "x", "kind": "phone", "key": "mine"}"#)
            #expect(extra.status == .unprocessableContent && extra.errors == ["key:unknown-field"])
        }
    }

    @Test func operatorsAssignADeviceToATripThatInventoryKnows() async throws {
        try await TrackingFixture.run { fixture, client in
            let (device, _) = try await fixture.device(client)
            let trip = try await fixture.trip()
            let uri = "/api/v1/devices/\(device)/assignment"
            let agent = try fixture.token("usr_agent", .agent)
            let refused = try await fixture.send(client, .put, uri, authorization: "Bearer \(agent)",
                                                 body: #"{"tripId": \#(trip.id)}"#)
            #expect(refused.status == .forbidden)

            let ops = try fixture.token("usr_ops", .operator)
            let unknown = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                                 body: #"{"tripId": 987654}"#)
            #expect(unknown.status == .unprocessableContent && unknown.errors == ["tripId:unknown-trip"])
            let missing = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)", body: "{}")
            #expect(missing.status == .unprocessableContent && missing.errors == ["tripId:required"])
            let noDevice = try await fixture.send(client, .put, "/api/v1/devices/4040/assignment",
                                                  authorization: "Bearer \(ops)", body: #"{"tripId": \#(trip.id)}"#)
            #expect(noDevice.status == .notFound)

            let assigned = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                                  body: #"{"tripId": \#(trip.id)}"#)
            #expect(assigned.status == .ok)
            #expect(assigned["tripId"] as? Int == trip.id && assigned["assignedAt"] is String)
            let run = try #require(try await fixture.parts.store.run(tripID: trip.id))
            #expect(run.trainNumber == trip.trainNumber && run.status == "scheduled")
            #expect(run.origin.count == 3 && run.destination.count == 3 && run.departureAt != nil)

            let ended = try await fixture.send(client, .put, uri, authorization: "Bearer \(ops)",
                                               body: #"{"tripId": null}"#)
            #expect(ended.status == .ok && ended["tripId"] is NSNull)
            #expect(try await fixture.parts.store.device(id: device)?.tripID == nil)
        }
    }
}

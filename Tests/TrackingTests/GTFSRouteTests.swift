import Foundation
import GTFSRealtime
import Hummingbird
import HummingbirdTesting
import Inventory
import NIOCore
import SwiftProtobuf
import Testing
@testable import Tracking

/// The open data feeds through tracking's real router, built from a real inventory's stations, timetable and trips:
/// the static GTFS zip, and the GTFS Realtime feeds decoded with the generated types.
@Suite(.serialized)
struct GTFSRouteTests {
    static func fetch(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static func feed(_ client: any TestClientProtocol, _ name: String) async throws -> TransitRealtime_FeedMessage {
        let response = try await fetch(client, "/api/v1/gtfs-rt/\(name)")
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/x-protobuf")
        let message = try TransitRealtime_FeedMessage(serializedBytes: Array(buffer: response.body))
        #expect(message.header.gtfsRealtimeVersion == "2.0" && message.header.incrementality == .fullDataset)
        return message
    }

    static func files(_ zip: [UInt8]) throws -> [String: [[String: String]]] {
        Dictionary(uniqueKeysWithValues: try ZipReader.entries(zip).map { ($0.name, CSVRows.parse($0.bytes)) })
    }

    @Test func theStaticFeedIsTheTimetableWithTimesPastMidnightAndAnswersConditionalRequests() async throws {
        try await TrackingFixture.run { fixture, client in
            let response = try await Self.fetch(client, "/api/v1/gtfs.zip")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/zip")
            let zip = Array(buffer: response.body)
            if let tested = try ZipReader.unzipTest(zip) { #expect(tested.status == 0, "\(tested.output)") }
            let files = try Self.files(zip)
            #expect(Set(files.keys) == ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                                        "calendar.txt", "feed_info.txt"])
            #expect(files["agency.txt"]?.first?["agency_timezone"] == "Africa/Libreville")
            // The repository's network and timetable: 24 stations, 8 weekly trains on two routes.
            let stops = try #require(files["stops.txt"])
            #expect(stops.count == 24 && stops.first?["stop_id"] == "OWE" && stops.last?["stop_id"] == "FCV")
            #expect(stops.allSatisfy { Double($0["stop_lat"] ?? "") != nil && Double($0["stop_lon"] ?? "") != nil })
            #expect(Set(files["routes.txt"]?.compactMap { $0["route_type"] } ?? []) == ["2"])
            let trips = try #require(files["trips.txt"])
            #expect(trips.compactMap { $0["trip_id"] } == ["211", "232", "412", "433", "513", "632", "714", "733"])
            #expect(trips.first { $0["trip_id"] == "211" }?["service_id"] == "TUE")
            #expect(trips.first { $0["trip_id"] == "211" }?["direction_id"] == "0")
            #expect(trips.first { $0["trip_id"] == "232" }?["direction_id"] == "1")
            // 211 leaves Owendo at 12:30 on Tuesday and reaches Franceville at 01:49 the next morning.
            let times = try #require(files["stop_times.txt"]).filter { $0["trip_id"] == "211" }
            #expect(times.first?["departure_time"] == "12:30:00" && times.first?["arrival_time"] == "12:30:00")
            #expect(times.last?["arrival_time"] == "25:49:00" && times.last?["stop_id"] == "FCV")
            #expect(Set(times.compactMap { $0["stop_id"] }).isSubset(of: Set(stops.compactMap { $0["stop_id"] })))
            let today = GTFSDay(fixture.clock.now())
            let calendar = try #require(files["calendar.txt"])
            #expect(calendar.compactMap { $0["service_id"] }.sorted() == ["FRI", "SAT", "SUN", "THU", "TUE"])
            #expect(calendar.allSatisfy { $0["start_date"] == today.description
                && $0["end_date"] == today.adding(years: 1).description })
            #expect(calendar.first { $0["service_id"] == "TUE" }.map { [$0["monday"], $0["tuesday"]] } == ["0", "1"])

            // Conditional requests: the same ETag or a date no earlier than Last-Modified is 304, without a body.
            let etag = try #require(response.headers[.eTag])
            let modified = try #require(response.headers[.lastModified])
            let same = try await Self.fetch(client, "/api/v1/gtfs.zip", headers: [.ifNoneMatch: etag])
            #expect(same.status == .notModified && same.body.readableBytes == 0 && same.headers[.eTag] == etag)
            let since = try await Self.fetch(client, "/api/v1/gtfs.zip", headers: [.ifModifiedSince: modified])
            #expect(since.status == .notModified)
            for headers: HTTPFields in [[.ifNoneMatch: "\"other\""], [.ifModifiedSince: "yesterday, maybe"],
                                        [.ifModifiedSince: "Mon, 01 Jan 2001 00:00:00 GMT"]] {
                #expect(try await Self.fetch(client, "/api/v1/gtfs.zip", headers: headers).status == .ok)
            }
            // Rebuilt after its 10 minutes: the same timetable keeps its ETag and Last-Modified.
            fixture.clock.advance(seconds: 11 * 60)
            let later = try await Self.fetch(client, "/api/v1/gtfs.zip")
            if GTFSDay(fixture.clock.now()) == today {
                #expect(later.headers[.eTag] == etag && later.headers[.lastModified] == modified)
            }
        }
    }

    @Test func aRunningTrainIsAVehicleAndItsTripUpdatesCarryItsDelayAtTheStaticFeedsStops() async throws {
        try await TrackingFixture.run { fixture, client in
            let trip = try await fixture.trip()
            let (_, authorization) = try await fixture.device(client, trip: trip.id)
            let plan = try await fixture.plan(trip: trip.id)
            let (timetable, line, pk, stops) = (plan.trip, plan.line, plan.pk, plan.stops)
            try #require(stops.count >= 4)
            func time(_ text: String?) throws -> Date { try plan.time(text) }
            // On time from the origin; 25 minutes late at the second stop; then on towards the third.
            let (first, second, third) = (stops[0], stops[1], stops[2])
            let leaves = try time(first.departure)
            let arrives = try time(second.arrival).addingTimeInterval(25 * 60)
            let toward = pk[second.station]! + (pk[third.station]! - pk[second.station]!) * 0.3
            let keyframes: [(Date, Double)] = [
                (leaves.addingTimeInterval(-300), pk[first.station]!), (leaves, pk[first.station]!),
                (arrives, pk[second.station]!), (arrives.addingTimeInterval(120), pk[second.station]!),
                (arrives.addingTimeInterval(120 + 20 * 60), toward),
            ]
            let fixes = try await fixture.drive(client, authorization: authorization, plan: plan,
                                                keyframes: keyframes, speedKmh: 72, heading: 90, batch: 200).fixes
            let serviceDay = try #require(GTFSDay(iso: timetable.serviceDate)).description

            let vehicles = try await Self.feed(client, "vehicle-positions")
            #expect(vehicles.entity.count == 1)
            let vehicle = try #require(vehicles.entity.first?.vehicle)
            #expect(vehicle.trip.tripID == String(trip.trainNumber) && vehicle.trip.startDate == serviceDay)
            #expect(vehicle.trip.scheduleRelationship == .scheduled && vehicle.trip.routeID == timetable.service)
            #expect(vehicle.vehicle.id == String(trip.trainNumber) && vehicle.vehicle.label == String(trip.trainNumber))
            let last = line.point(atPK: fixes.last!.pk)
            #expect(abs(Double(vehicle.position.latitude) - last.lat) < 1e-4)
            #expect(abs(Double(vehicle.position.longitude) - last.lon) < 1e-4)
            #expect(abs(vehicle.position.speed - 20) < 0.01 && vehicle.position.bearing == 90)  // 72 km/h
            #expect(vehicle.timestamp == UInt64(fixes.last!.ts.timeIntervalSince1970))
            #expect(vehicle.currentStatus == .inTransitTo && vehicle.stopID == third.station)
            #expect(vehicle.currentStopSequence == UInt32(third.seq))

            let updates = try await Self.feed(client, "trip-updates")
            #expect(updates.entity.count == 1)
            let update = try #require(updates.entity.first?.tripUpdate)
            #expect(update.trip.tripID == String(trip.trainNumber) && update.trip.startDate == serviceDay)
            #expect(update.delay > 5 * 60)
            // Every stop still ahead, from the third to the destination, each with both times and its delay.
            let ahead = stops.dropFirst(2)
            #expect(update.stopTimeUpdate.map(\.stopSequence) == ahead.map { UInt32($0.seq) })
            #expect(update.stopTimeUpdate.map(\.stopID) == ahead.map(\.station))
            for (row, stop) in zip(update.stopTimeUpdate, ahead) {
                #expect(row.hasArrival && row.hasDeparture && row.arrival.delay > 5 * 60)
                let scheduled = try time(stop.arrival ?? stop.departure)
                #expect(row.arrival.time == Int64(scheduled.timeIntervalSince1970) + Int64(row.arrival.delay))
                #expect(row.departure.time >= row.arrival.time)
            }
            // The stops and sequences are the static feed's for that trip.
            let zip = Array(buffer: try await Self.fetch(client, "/api/v1/gtfs.zip").body)
            let staticStops = try #require(try Self.files(zip)["stop_times.txt"])
                .filter { $0["trip_id"] == update.trip.tripID }
                .map { "\($0["stop_sequence"] ?? ""):\($0["stop_id"] ?? "")" }
            #expect(Set(update.stopTimeUpdate.map { "\($0.stopSequence):\($0.stopID)" }).isSubset(of: Set(staticStops)))

            // Past the active window, the train is no longer in either feed.
            fixture.clock.advance(seconds: Double(fixture.parts.options.activeMinutes + 1) * 60)
            #expect(try await Self.feed(client, "vehicle-positions").entity.isEmpty)
            #expect(try await Self.feed(client, "trip-updates").entity.isEmpty)
        }
    }

    @Test func aCancelledTripIsAnAlertAboutItAndACanceledTripUpdate() async throws {
        try await TrackingFixture.run { fixture, client in
            #expect(try await Self.feed(client, "alerts").entity.isEmpty)
            #expect(try await Self.feed(client, "vehicle-positions").entity.isEmpty)
            // A trip on the line in the coming three days (every three days of the timetable have one).
            let now = fixture.clock.now()
            let coming = try await fixture.parts.inventory.trips(from: now, to: now.addingTimeInterval(3 * 86_400))
            let trip = try #require(coming.first)
            let store = MySQLInventoryStore(database: fixture.inventoryDB.pool)
            _ = try #require(try await store.cancel(trip: trip.id, reason: "Éboulement au PK 333", requestID: nil,
                                                   now: now))
            // Read again once the cancellations kept (30 seconds) are stale.
            fixture.clock.advance(seconds: 61)
            let serviceDay = try #require(GTFSDay(iso: trip.serviceDate)).description

            let alerts = try await Self.feed(client, "alerts")
            #expect(alerts.entity.count == 1)
            let alert = try #require(alerts.entity.first?.alert)
            #expect(alert.effect == .noService)
            let informed = try #require(alert.informedEntity.first)
            #expect(informed.trip.tripID == String(trip.trainNumber) && informed.trip.startDate == serviceDay)
            #expect(alert.headerText.translation.map(\.language) == ["fr", "en"])
            #expect(alert.headerText.translation.allSatisfy { $0.text.contains(String(trip.trainNumber)) })
            let arrival = try #require(trip.stops.last?.arrival.flatMap(FixTime.iso))
            #expect(alert.activePeriod.first?.end == UInt64(arrival.timeIntervalSince1970))

            let updates = try await Self.feed(client, "trip-updates")
            let cancelled = try #require(updates.entity.first { $0.id == "cancelled-\(trip.id)" }?.tripUpdate)
            #expect(cancelled.trip.scheduleRelationship == .canceled)
            #expect(cancelled.trip.tripID == String(trip.trainNumber) && cancelled.trip.startDate == serviceDay)
            #expect(cancelled.stopTimeUpdate.isEmpty)
        }
    }
}

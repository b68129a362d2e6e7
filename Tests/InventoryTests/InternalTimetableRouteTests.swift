import Foundation
import HummingbirdTesting
import SetragKernel
import Testing
@testable import Inventory

/// `GET /internal/timetable`: the weekly timetable for other services (tracking's GTFS feed is built from it).
struct InternalTimetableRouteTests {
    @Test func theWeeklyTimetableIsReadWithTimesPastMidnightCountedFromTheDepartureDay() async throws {
        let fixture = try await InventoryFixture.make(weeks: 1)
        try await fixture.run { client in
            let answer = try await get(client, "/internal/timetable")
            #expect(answer.status == .ok)
            let trains = answer.objects("trains")
            // The repository's timetable: eight trains a week, four each way.
            #expect(trains.compactMap { $0["number"] as? Int }.sorted() == [211, 232, 412, 433, 513, 632, 714, 733])
            let express = try #require(trains.first { $0["number"] as? Int == 211 })
            #expect(express["service"] as? String == "express" && express["direction"] as? String == "OWE-FCV")
            #expect(express["weekday"] as? Int == 2)
            let stops = try #require(express["stops"] as? [[String: Any]])
            #expect(stops.map { $0["station"] as? String } == ["OWE", "NTO", "NDJ", "LOP", "BOO", "LTV", "MOA", "FCV"])
            #expect(stops.map { $0["seq"] as? Int } == Array(1...8))
            // Leaves Owendo at 12:30 on Tuesday; reaches Franceville at 01:49 on Wednesday (24 h + 109 min).
            #expect(stops.first?["departureMinutes"] as? Int == 12 * 60 + 30)
            #expect(stops.first?["arrivalMinutes"] is NSNull && stops.last?["departureMinutes"] is NSNull)
            #expect(stops.last?["arrivalMinutes"] as? Int == 24 * 60 + 1 * 60 + 49)
            // Times only grow along a train.
            for train in trains {
                let times = (train["stops"] as? [[String: Any]] ?? []).flatMap {
                    [$0["arrivalMinutes"] as? Int, $0["departureMinutes"] as? Int].compactMap { $0 }
                }
                #expect(times == times.sorted(), "\(train["number"] ?? "?")")
            }
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Inventory
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Booking

/// Offers and bookings through booking's real router, calling a real inventory over HTTP.
@Suite(.serialized)
struct BookingRouteTests {
    @Test func offersPriceEveryClassForTheWholePartyWithoutSignIn() async throws {
        try await BookingFixture.run { fixture, client in
            let date = fixture.next(2, afterDays: 2)
            let answer = try await call(client, .get,
                                        "/api/v1/offers?from=OWE&to=Franceville&date=\(date)&passengers=2&children=1")
            #expect(answer.status == .ok)
            #expect(answer["distanceKm"] as? Double == 669)
            let express = try #require(answer.objects("trips").first { $0["trainNumber"] as? Int == 211 })
            let classes = try #require(express["classes"] as? [[String: Any]])
            func price(_ code: String) -> [String: Any]? {
                classes.first { $0["class"] as? String == code }?["price"] as? [String: Any]
            }
            // 2 adults + 1 child at half fare: 2nd 2 × 30,000 + 15,000; 1st 2 × 47,000 + 23,500;
            // VIP 2 × 77,000 + 38,500.
            #expect(price("second")?["total"] as? Int == 75_000)
            #expect(price("first")?["total"] as? Int == 117_500)
            #expect(price("vip")?["total"] as? Int == 192_500)
            #expect(price("vip")?["currency"] as? String == "XAF")
            let lines = try #require(price("second")?["perPassenger"] as? [[String: Any]])
            #expect(lines.map { $0["type"] as? String } == ["adult", "child"])
            #expect(lines.map { $0["unitPrice"] as? Int } == [30_000, 15_000])
            #expect(lines.map { $0["amount"] as? Int } == [60_000, 15_000])
            #expect(classes.allSatisfy { $0["seatsFree"] is Int && $0["available"] as? Bool == true })

            // An infant travels free on a lap; Owendo → Ndjolé is PK 0 → 182.
            let short = try await call(client, .get,
                                       "/api/v1/offers?from=owendo&to=Ndjol%C3%A9&date=\(date)&passengers=1&infants=1")
            #expect((short["to"] as? [String: Any])?["code"] as? String == "NDJ")
            let trip = try #require(short.objects("trips").first { $0["trainNumber"] as? Int == 211 })
            let second = (trip["classes"] as? [[String: Any]])?.first { $0["class"] as? String == "second" }
            let shortPrice = try #require(second?["price"] as? [String: Any])
            #expect(shortPrice["total"] as? Int == 8_000)
            #expect((shortPrice["perPassenger"] as? [[String: Any]])?.map { $0["unitPrice"] as? Int } == [8_000, 0])

            // The party's problems and inventory's, at once.
            let bad = try await call(client, .get,
                                     "/api/v1/offers?from=XYZ&to=FCV&date=\(date)&passengers=1&infants=2&children=x")
            #expect(bad.status == .unprocessableContent && bad.isProblem)
            #expect(Set(bad.errorCodes).isSuperset(of: ["children:out-of-range", "from:unknown-station"]))
            let tooMany = try await call(client, .get, "/api/v1/offers?from=OWE&to=FCV&date=\(date)&infants=2")
            #expect(tooMany.errorCodes == ["infants:too-many-infants"])
            let nobody = try await call(client, .get,
                                        "/api/v1/offers?from=OWE&to=FCV&date=\(date)&passengers=0&children=0")
            #expect(nobody.errorCodes == ["passengers:out-of-range"])
            let ten = try await call(client, .get,
                                     "/api/v1/offers?from=OWE&to=FCV&date=\(date)&passengers=9&children=1")
            #expect(ten.status == .unprocessableContent)
            // The contract is served and names these paths.
            let document = try await call(client, .get, "/openapi.json")
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(Set(paths.keys) == ["/api/v1/offers", "/api/v1/bookings", "/api/v1/bookings/{pnr}",
                                        "/api/v1/bookings/{pnr}/cancel", "/api/v1/bookings/{pnr}/exchange",
                                        "/api/v1/bookings/{pnr}/tickets", "/api/v1/tickets/keys", "/api/v1/tickets/verify", "/api/v1/tickets/manifest"])
            let huge = try await call(client, .get,
                                      "/api/v1/offers?from=OWE&to=FCV&date=\(date)&passengers=99999999999999999999999")
            #expect(huge.status == .unprocessableContent)
        }
    }

    @Test func aBookingHoldsTheSeatsAndWaitsForPayment() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let customer = try fixture.token("usr_awa", .customer)
            let before = try await freeSeats(fixture: fixture, trip: trip)
            let body = bookingBody(trip: trip, passengers: [
                ["type": "adult", "name": "Awa Ndong", "idNumber": "GA-1234567"],
                ["type": "child", "name": "Léa Ndong", "idNumber": "gab-7654321"],
                ["type": "infant", "name": "Noé Ndong"],
            ])
            let created = try await call(client, .post, "/api/v1/bookings", token: customer, key: "k-1", json: body)
            #expect(created.status == .created)
            let pnr = try #require(created["pnr"] as? String)
            #expect(pnr.wholeMatch(of: /[2-9A-HJKMNP-Z]{6}/) != nil)
            #expect(created.headers[.location] == "/api/v1/bookings/\(pnr)")
            #expect(created["status"] as? String == "held")
            #expect(created["class"] as? String == "second")
            #expect(created["currency"] as? String == "XAF")
            #expect(created["total"] as? Int == 45_000)
            #expect(created["contactPhone"] as? String == "+24177123456")
            let expiry = try #require(created["holdExpiresAt"] as? String)
            #expect(expiry.hasSuffix("+01:00"))
            let expiresAt = try Date(expiry, strategy: .iso8601)
            #expect(expiresAt > fixture.clock.now() && expiresAt <= fixture.clock.now().addingTimeInterval(15 * 60 + 1))
            #expect((created["from"] as? [String: Any])?["departure"] as? String != nil)
            let passengers = created.objects("passengers")
            #expect(passengers.map { $0["fare"] as? Int } == [30_000, 15_000, 0])
            #expect(passengers.map { $0["idNumber"] as? String } == ["GA-1234567", "GAB-7654321", nil])
            // The two seated passengers sit together, in one 2nd class coach; the infant has no seat.
            let held = seats(created)
            #expect(held.count == 2 && held[0].coach == held[1].coach)
            #expect(passengers[2]["seat"] == nil)
            let map = try await fixture.parts.inventory.seatMap(tripID: trip, from: "OWE", to: "FCV")
            #expect(map.travelClass(ofCoach: held[0].coach) == "second")
            // Inventory holds them: no longer free.
            let after = try await freeSeats(fixture: fixture, trip: trip)
            #expect(before.subtracting(after) == Set(held))

            // The owner reads it back, decrypted; it is first in their list.
            let read = try await call(client, .get, "/api/v1/bookings/\(pnr.lowercased())", token: customer)
            #expect(read.status == .ok)
            #expect(read.objects("passengers").map { $0["name"] as? String } == ["Awa Ndong", "Léa Ndong", "Noé Ndong"])
            #expect(read["holdExpiresAt"] as? String == expiry)
            let second = try await call(client, .post, "/api/v1/bookings", token: customer, key: "k-2",
                                        json: bookingBody(trip: trip))
            let list = try await call(client, .get, "/api/v1/bookings", token: customer)
            #expect(list.objects("bookings").map { $0["pnr"] as? String } == [second["pnr"] as? String, pnr])
            #expect(list.objects("bookings").last?["passengerCount"] as? Int == 3)
            #expect(try await call(client, .get, "/api/v1/bookings", token: try fixture.token("usr_other", .customer))
                .objects("bookings").isEmpty)
        }
    }

    @Test func anIdempotencyKeyMakesOneBookingHoweverOftenItIsSent() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let customer = try fixture.token("usr_awa", .customer)
            let body = bookingBody(trip: trip)
            let first = try await call(client, .post, "/api/v1/bookings", token: customer, key: "same-key", json: body)
            #expect(first.status == .created)
            // The same body, keys in another order: the stored answer, nothing new.
            let reordered = "{\"passengers\": [{\"type\": \"adult\", \"name\": \"Awa Ndong\", "
                + "\"idNumber\": \"GA-1234567\"},"
                + " {\"type\": \"child\", \"name\": \"Léa Ndong\", \"idNumber\": \"gab-7654321\"}], "
                + "\"contactPhone\": \"077 12 34 56\", \"class\": \"second\", \"to\": \"FCV\", \"from\": \"OWE\", "
                + "\"tripId\": \(trip)}"
            let again = try await call(client, .post, "/api/v1/bookings", token: customer, key: "same-key",
                                       raw: reordered)
            #expect(again.status == .created)
            #expect(again.headers[IdempotencyKeys.replayedHeader] == "true")
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again["pnr"] as? String == first["pnr"] as? String)
            #expect(again.body["holdExpiresAt"] as? String == first.body["holdExpiresAt"] as? String)
            #expect(try await fixture.bookingsStored() == 1)
            #expect(try await fixture.holdsInInventory() == 1)

            // The process died after storing the booking but before keeping the answer: once the key's lease is
            // over, the request runs again, finds the booking made under the same use of the key, and holds nothing.
            _ = try await fixture.bookingDB.pool.exec(SQLQueryString("""
                UPDATE idempotency_keys SET state = 'running', response_status = NULL, response_body = NULL,
                    locked_until = \(bind: fixture.clock.now().addingTimeInterval(-1))
                """))
            let recovered = try await call(client, .post, "/api/v1/bookings", token: customer, key: "same-key",
                                           json: body)
            #expect(recovered.status == .created && recovered["pnr"] as? String == first["pnr"] as? String)
            #expect(recovered.headers[IdempotencyKeys.replayedHeader] == nil)
            #expect(try await fixture.bookingsStored() == 1)
            #expect(try await fixture.holdsInInventory() == 1)

            // Another body with the same key: 422, nothing done.
            let other = try await call(client, .post, "/api/v1/bookings", token: customer, key: "same-key",
                                       json: bookingBody(trip: trip, travelClass: "first"))
            #expect(other.status == .unprocessableContent && other.problemType == "idempotency-key-reused")
            // Another caller's same key is theirs alone.
            let stranger = try await call(client, .post, "/api/v1/bookings",
                                          token: try fixture.token("usr_other", .customer), key: "same-key", json: body)
            #expect(stranger.status == .created && stranger["pnr"] as? String != first["pnr"] as? String)
            // No key, or an unusable one: 400.
            let missing = try await call(client, .post, "/api/v1/bookings", token: customer, json: body)
            #expect(missing.status == .badRequest && missing.problemType == "idempotency-key-missing")
            let long = try await call(client, .post, "/api/v1/bookings", token: customer,
                                      key: String(repeating: "k", count: 256), json: body)
            #expect(long.status == .badRequest && long.problemType == "idempotency-key-invalid")
            #expect(try await fixture.bookingsStored() == 2)

            // Parallel clients with one key: one booking; the others get it too or are told to wait.
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            let answers = try await withThrowingTaskGroup(of: JSONAnswer.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await call(client, .post, "/api/v1/bookings", token: customer, key: "parallel", raw: text)
                    }
                }
                return try await group.reduce(into: [JSONAnswer]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == .created || $0.problemType == "idempotency-key-in-use" })
            let pnrs = Set(answers.compactMap { $0["pnr"] as? String })
            #expect(pnrs.count == 1)
            #expect(try await fixture.bookingsStored() == 3)
            #expect(try await fixture.holdsInInventory() == 3)
        }
    }

    @Test func seatsTakenByAnotherBookingAre409AndNothingIsStored() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let seat: [String: Any] = ["coach": 7, "seat": 12]
            let first = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_a", .customer),
                                       key: "a", json: bookingBody(trip: trip, passengers: [
                                           ["type": "adult", "name": "Awa", "idNumber": "A1234", "seat": seat],
                                       ]))
            #expect(first.status == .created)
            #expect(seats(first) == [SeatRef(coach: 7, seat: 12)])
            // Owendo → Ndjolé overlaps the first journey: the same seat is taken.
            let second = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_b", .customer),
                                        key: "b", json: bookingBody(trip: trip, passengers: [
                                            ["type": "adult", "name": "Béa", "idNumber": "B1234", "seat": seat],
                                            ["type": "adult", "name": "Bob", "idNumber": "B5678",
                                             "seat": ["coach": 7, "seat": 13]],
                                        ], to: "NDJ"))
            #expect(second.status == .conflict && second.isProblem)
            #expect(second.problemType == "seats-taken")
            #expect(second.objects("errors").map { $0["message"] as? String } == ["coach 7 seat 12"])
            #expect(try await fixture.bookingsStored() == 1)
            #expect(try await fixture.holdsInInventory() == 1)
            // The failed attempt freed its key: the same key may be used again, for seats that are free.
            let retry = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_b", .customer),
                                       key: "b", json: bookingBody(trip: trip, passengers: [
                                           ["type": "adult", "name": "Béa", "idNumber": "B1234"],
                                       ], to: "NDJ"))
            #expect(retry.status == .created)
            // More seats than the class has: inventory's 409 passed on.
            let seated = (0..<9).map { ["type": "adult", "name": "P\($0)", "idNumber": "ID-000\($0)"] as [String: Any] }
            let vipMap = try await fixture.parts.inventory.seatMap(tripID: trip, from: "OWE", to: "FCV")
            #expect(vipMap.coaches.filter { $0.travelClass == "vip" }.flatMap(\.seats).count == 36)
            for index in 0..<4 {
                _ = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_c", .customer),
                                   key: "vip-\(index)", json: bookingBody(trip: trip, travelClass: "vip",
                                                                          passengers: seated))
            }
            let full = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_c", .customer),
                                      key: "vip-last", json: bookingBody(trip: trip, travelClass: "vip",
                                                                         passengers: seated))
            #expect(full.status == .conflict && full.problemType == "not-enough-seats")
            #expect(try await fixture.bookingsStored() == 6)
        }
    }

    @Test func aBookingIsShownToItsOwnerAndStaffOnly() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let owner = try fixture.token("usr_a", .customer)
            let created = try await call(client, .post, "/api/v1/bookings", token: owner, key: "a",
                                         json: bookingBody(trip: trip))
            let pnr = try #require(created["pnr"] as? String)
            let stranger = try await call(client, .get, "/api/v1/bookings/\(pnr)",
                                          token: try fixture.token("usr_b", .customer))
            #expect(stranger.status == .notFound && stranger.isProblem)
            // The same answer as for a PNR that does not exist, or cannot.
            let unknown = try await call(client, .get, "/api/v1/bookings/ZZZZZZ",
                                         token: try fixture.token("usr_b", .customer))
            func withoutRequestID(_ answer: JSONAnswer) -> String {
                answer.text.replacingOccurrences(of: answer["requestId"] as? String ?? "", with: "")
            }
            #expect(unknown.status == .notFound && withoutRequestID(unknown) == withoutRequestID(stranger))
            for path in ["/api/v1/bookings/0O1IL0", "/api/v1/bookings/\(String(repeating: "A", count: 300))"] {
                let answer = try await call(client, .get, path, token: try fixture.token("usr_b", .customer))
                #expect(answer.status == .notFound)
            }
            for role in [Role.agent, .conductor, .operator, .admin] {
                let staff = try await call(client, .get, "/api/v1/bookings/\(pnr)",
                                           token: try fixture.token("usr_staff", role))
                #expect(staff.status == .ok, "\(role)")
                #expect(staff.objects("passengers").first?["name"] as? String == "Awa Ndong")
            }
            let anonymous = try await call(client, .get, "/api/v1/bookings/\(pnr)")
            #expect(anonymous.status == .unauthorized && anonymous.isProblem)
            let forged = try await call(client, .get, "/api/v1/bookings/\(pnr)",
                                        token: try Signer().token(subject: "usr_a", roles: [.customer]))
            #expect(forged.status == .unauthorized)
            // A stranger cannot cancel it either (same 404); a conductor sees it but may not cancel it.
            let cancel = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                        token: try fixture.token("usr_b", .customer), key: "c")
            #expect(cancel.status == .notFound)
            let conductor = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                           token: try fixture.token("usr_c", .conductor), key: "c")
            #expect(conductor.status == .forbidden)
            let untouched = try await call(client, .get, "/api/v1/bookings/\(pnr)",
                                           token: try fixture.token("usr_a", .customer))
            #expect(untouched["status"] as? String == "held")

            // A counter agent books for a customer: the customer owns it, the agent is recorded as seller.
            var forCustomer = bookingBody(trip: trip)
            forCustomer["ownerId"] = "usr_walkin"
            let sold = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_agent", .agent),
                                      key: "counter-1", json: forCustomer)
            #expect(sold.status == .created)
            let soldPNR = try #require(sold["pnr"] as? String)
            #expect(try await call(client, .get, "/api/v1/bookings/\(soldPNR)",
                                   token: try fixture.token("usr_walkin", .customer)).status == .ok)
            // A customer cannot book for someone else; a B2B member cannot book at all.
            let notAgent = try await call(client, .post, "/api/v1/bookings",
                                          token: try fixture.token("usr_a", .customer), key: "counter-2",
                                          json: forCustomer)
            #expect(notAgent.status == .forbidden)
            let b2b = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_pro", .b2bMember),
                                     key: "pro", json: bookingBody(trip: trip))
            #expect(b2b.status == .forbidden)
            #expect(try await fixture.bookingsStored() == 2)
        }
    }

    @Test func personalDataIsNotStoredInClear() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let owner = try fixture.token("usr_a", .customer)
            let created = try await call(client, .post, "/api/v1/bookings", token: owner, key: "a",
                                         json: bookingBody(trip: trip, passengers: [
                                             ["type": "adult", "name": "Ghislaine Mba-Obame", "idNumber": "GAB-998877"],
                                         ], phone: "+241 66 55 44 33"))
            #expect(created.status == .created)
            struct Raw: Decodable {
                let contact_phone_enc: Data
                let contact_phone_hash: Data
                let name_enc: Data
                let id_number_enc: Data?
            }
            let rows = try await fixture.bookingDB.pool.raw("""
                SELECT b.contact_phone_enc, b.contact_phone_hash, p.name_enc, p.id_number_enc
                FROM bookings b JOIN booking_passengers p ON p.booking_id = b.id
                """).all(decoding: Raw.self)
            #expect(rows.count == 1)
            let secrets = ["Ghislaine", "Mba-Obame", "GAB-998877", "66554433", "+24166554433", "066554433"]
            for row in rows {
                let stored = [row.contact_phone_enc, row.contact_phone_hash, row.name_enc, row.id_number_enc ?? Data()]
                for bytes in stored {
                    for secret in secrets {
                        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in clear")
                        #expect(bytes.range(of: Data(secret.lowercased().utf8)) == nil)
                    }
                }
                #expect(row.name_enc.count > "Ghislaine Mba-Obame".utf8.count)
            }
            // Nothing else in the row carries them either.
            struct Text: Decodable { let dump: String }
            let dump = try await fixture.bookingDB.pool.raw("""
                SELECT CONCAT_WS('|', pnr, status, owner_id, from_name, to_name, class_code) AS dump FROM bookings
                """).first(decoding: Text.self)
            #expect(secrets.allSatisfy { dump?.dump.contains($0) == false })
            // A sealed value moved to another booking's row does not open (bound to its PNR and column).
            let other = try await call(client, .post, "/api/v1/bookings", token: try fixture.token("usr_a", .customer),
                                       key: "b", json: bookingBody(trip: trip))
            let otherPNR = try #require(other["pnr"] as? String)
            _ = try await fixture.bookingDB.pool.exec(SQLQueryString("""
                UPDATE booking_passengers p JOIN bookings b ON b.id = p.booking_id
                SET p.name_enc = \(bind: rows[0].name_enc) WHERE b.pnr = \(bind: otherPNR) AND p.seq = 1
                """))
            let tampered = try await call(client, .get, "/api/v1/bookings/\(otherPNR)",
                                          token: try fixture.token("usr_a", .customer))
            #expect(tampered.status == .internalServerError && tampered.isProblem)
            #expect(!tampered.text.contains("Ghislaine"))
        }
    }

    /// A wrong body of every kind: a 4xx problem, never a 500, and nothing written anywhere.
    @Test func badInputIsRefusedWithAProblemAndNothingIsWritten() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let omnibus = try await fixture.tripID(train: 433, date: fixture.next(4, afterDays: 2))
            let token = try fixture.token("usr_a", .customer)
            let adult: [String: Any] = ["type": "adult", "name": "Awa", "idNumber": "GA-1234"]
            func with(_ changes: [String: Any?]) -> [String: Any] {
                var body = bookingBody(trip: trip)
                for (key, value) in changes { body[key] = value }
                return body
            }
            struct Case {
                let name: String
                let json: [String: Any]?
                var raw: String? = nil
                var contentType = "application/json"
                let status: HTTPResponse.Status
                var codes: [String] = []
            }
            let cases: [Case] = [
                Case(name: "malformed", json: nil, raw: "{\"tripId\": 1,", status: .badRequest),
                Case(name: "not an object", json: nil, raw: "[1, 2]", status: .badRequest),
                Case(name: "not JSON", json: nil, raw: "tripId=1", contentType: "application/x-www-form-urlencoded",
                     status: .unsupportedMediaType),
                Case(name: "wrong type", json: with(["tripId": "abc"]), status: .unprocessableContent,
                     codes: ["tripId:wrong-type"]),
                Case(name: "missing", json: with(["contactPhone": nil]), status: .unprocessableContent,
                     codes: ["contactPhone:required"]),
                Case(name: "huge", json: nil, raw: "{\"tripId\": 1e30, \"from\": \"OWE\", \"to\": \"FCV\", "
                     + "\"class\": \"second\", \"passengers\": [], \"contactPhone\": \"077123456\"}",
                     status: .unprocessableContent, codes: ["tripId:invalid"]),
                Case(name: "huge seat", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "seat": ["coach": 1, "seat": 1e20]],
                ]]), status: .unprocessableContent),
                Case(name: "negative trip", json: with(["tripId": -5]), status: .unprocessableContent,
                     codes: ["tripId:out-of-range"]),
                Case(name: "unknown field", json: with(["discount": 50]), status: .unprocessableContent,
                     codes: ["discount:unknown-field"]),
                Case(name: "unknown passenger field", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "age": 30],
                ]]), status: .unprocessableContent, codes: ["passengers.0.age:unknown-field"]),
                Case(name: "10 passengers", json: with(["passengers": Array(repeating: adult, count: 10)]),
                     status: .unprocessableContent, codes: ["passengers:count"]),
                Case(name: "no passengers", json: with(["passengers": []]), status: .unprocessableContent,
                     codes: ["passengers:count"]),
                Case(name: "only an infant", json: with(["passengers": [["type": "infant", "name": "Noé"]]]),
                     status: .unprocessableContent, codes: ["passengers:count", "passengers:too-many-infants"]),
                Case(name: "infant with a seat", json: with(["passengers": [
                    adult, ["type": "infant", "name": "Noé", "seat": ["coach": 7, "seat": 2]],
                ]]), status: .unprocessableContent, codes: ["passengers.1.seat:no-seat"]),
                Case(name: "two infants, one adult", json: with(["passengers": [
                    adult, ["type": "infant", "name": "Noé"], ["type": "infant", "name": "Zoé"],
                ]]), status: .unprocessableContent, codes: ["passengers:too-many-infants"]),
                Case(name: "bad phone", json: with(["contactPhone": "011 12 34 56"]), status: .unprocessableContent,
                     codes: ["contactPhone:invalid-phone"]),
                Case(name: "bad names and IDs", json: with(["passengers": [
                    ["type": "adult", "name": "  ", "idNumber": "GA 12"],
                    ["type": "adult", "name": String(repeating: "a", count: 81), "idNumber": "ÉCOLE-1"],
                    ["type": "adult", "name": "Bob\u{7}", "idNumber": String(repeating: "1", count: 31)],
                    ["type": "senior", "name": "Pépé"],
                ]]), status: .unprocessableContent,
                     codes: ["passengers.0.name:required", "passengers.0.idNumber:invalid",
                             "passengers.1.name:too-long", "passengers.1.idNumber:invalid", "passengers.2.name:invalid",
                             "passengers.2.idNumber:invalid", "passengers.3.type:unknown-type",
                             "passengers.3.idNumber:required"]),
                Case(name: "some seats chosen", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "seat": ["coach": 7, "seat": 1]], adult,
                ]]), status: .unprocessableContent, codes: ["passengers:seats-all-or-none"]),
                Case(name: "a seat twice", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "seat": ["coach": 7, "seat": 1]],
                    ["type": "adult", "name": "Bob", "idNumber": "GA-5678", "seat": ["coach": 7, "seat": 1]],
                ]]), status: .unprocessableContent, codes: ["passengers:seats-repeated"]),
                Case(name: "unknown class", json: with(["class": "sleeper"]), status: .unprocessableContent,
                     codes: ["class:unknown-class"]),
                Case(name: "a VIP seat at 2nd class fare", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "seat": ["coach": 2, "seat": 1]],
                ]]), status: .unprocessableContent, codes: ["passengers.0.seat:wrong-class"]),
                Case(name: "no such seat", json: with(["passengers": [
                    ["type": "adult", "name": "Awa", "idNumber": "GA-1234", "seat": ["coach": 7, "seat": 200]],
                ]]), status: .unprocessableContent, codes: ["seats:unknown-seat"]),
                Case(name: "VIP on an Omnibus", json: with(["tripId": omnibus, "class": "vip"]),
                     status: .unprocessableContent, codes: ["class:not-on-train"]),
                Case(name: "no such trip", json: with(["tripId": 99_999_999]), status: .notFound),
                Case(name: "wrong direction", json: with(["from": "FCV", "to": "OWE"]), status: .unprocessableContent,
                     codes: ["to:wrong-order"]),
                Case(name: "unknown station", json: with(["to": "Paris"]), status: .unprocessableContent,
                     codes: ["to:unknown-station"]),
                Case(name: "bad owner id", json: with(["ownerId": "'; DROP TABLE bookings"]),
                     status: .unprocessableContent, codes: ["ownerId:invalid"]),
            ]
            for (index, test) in cases.enumerated() {
                let answer = try await call(client, .post, "/api/v1/bookings", token: token, key: "bad-\(index)",
                                            json: test.json, raw: test.raw, contentType: test.contentType)
                #expect(answer.status == test.status, "\(test.name): \(answer.text)")
                #expect(answer.isProblem, "\(test.name)")
                if !test.codes.isEmpty {
                    #expect(Set(answer.errorCodes) == Set(test.codes), "\(test.name): \(answer.errorCodes)")
                }
            }
            #expect(try await fixture.bookingsStored() == 0)
            #expect(try await fixture.passengersStored() == 0)
            #expect(try await fixture.holdsInInventory() == 0)
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM idempotency_keys") == 0)
            // The body limit holds too.
            let big = try await call(client, .post, "/api/v1/bookings", token: token, key: "big",
                                     raw: String(repeating: " ", count: 2 << 20))
            #expect(big.status == .contentTooLarge && big.isProblem)
        }
    }

    @Test func seedingTheFaresAgainChangesNothingAndPNRCollisionsAreRetried() async throws {
        try await BookingFixture.run(pnrs: scriptedPNRs(["AAAAAA", "AAAAAA", "AAAAAA", "BBBBBB"])) { fixture, client in
            let lines = try await BookingFixture.seed(fixture.context)
            #expect(lines == ["booking: fares for 3 classes, 3 passenger types, 6 change rules (0 rows changed)"])
            let fares = try #require(try await fixture.parts.store.fareBook())
            #expect(fares == FareTests.fares)

            let trip = try await fixture.express()
            let token = try fixture.token("usr_a", .customer)
            let first = try await call(client, .post, "/api/v1/bookings", token: token, key: "1",
                                       json: bookingBody(trip: trip))
            let second = try await call(client, .post, "/api/v1/bookings", token: token, key: "2",
                                        json: bookingBody(trip: trip))
            #expect(first["pnr"] as? String == "AAAAAA")
            #expect(second["pnr"] as? String == "BBBBBB")
            #expect(try await fixture.hold(try #require(try await fixture.parts.store.booking(pnr: "BBBBBB")).holdID)?
                .reference == "BBBBBB")
        }
    }
}

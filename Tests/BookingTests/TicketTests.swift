import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Booking

// MARK: the test's own reading of a ticket (independent of Booking's code)

/// Base45 (RFC 9285) decoding written for the tests.
func base45Bytes(_ text: String) -> [UInt8]? {
    let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    var values: [Int] = []
    for character in text {
        guard let value = alphabet.firstIndex(of: character) else { return nil }
        values.append(value)
    }
    var bytes: [UInt8] = []
    var index = 0
    while index < values.count {
        let rest = values.count - index
        if rest >= 3 {
            let n = values[index] + values[index + 1] * 45 + values[index + 2] * 2025
            guard n < 65_536 else { return nil }
            bytes += [UInt8(n / 256), UInt8(n % 256)]
            index += 3
        } else if rest == 2 {
            let n = values[index] + values[index + 1] * 45
            guard n < 256 else { return nil }
            bytes.append(UInt8(n))
            index += 2
        } else {
            return nil
        }
    }
    return bytes
}

/// A ticket's 103 bytes read by their offsets.
struct ReadTicket {
    let bytes: [UInt8]

    func int(_ offset: Int, _ size: Int) -> Int { bytes[offset..<offset + size].reduce(0) { $0 << 8 | Int($1) } }
    func ascii(_ offset: Int) -> String { String(decoding: bytes[offset..<offset + 3], as: UTF8.self) }
    var version: Int { int(0, 1) }
    var kid: Int { int(1, 2) }
    var kidText: String { String(format: "%04x", kid) }
    var ticketID: [UInt8] { Array(bytes[3..<11]) }
    var tripID: Int { int(11, 4) }
    var serviceDay: Int { int(15, 2) }
    var from: String { ascii(17) }
    var to: String { ascii(20) }
    var coach: Int { int(23, 1) }
    var seat: Int { int(24, 1) }
    var travelClass: Int { int(25, 1) }
    var passengerType: Int { int(26, 1) }
    var holderHash: [UInt8] { Array(bytes[27..<35]) }
    var validUntilMinute: Int { int(35, 4) }
    var signed: [UInt8] { Array(bytes[0..<39]) }
    var signature: [UInt8] { Array(bytes[39...]) }
}

/// Days from 2020-01-01 to a `YYYY-MM-DD` date.
func daysSince2020(_ date: String) throws -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = date.split(separator: "-").compactMap { Int($0) }
    let day = try #require(calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])))
    let epoch = try #require(calendar.date(from: DateComponents(year: 2020, month: 1, day: 1)))
    return try #require(calendar.dateComponents([.day], from: epoch, to: day).day)
}

/// Tickets: issued at confirmation, signed, verified by conductors, journalled; manifests; keys and their rotation.
@Suite(.serialized)
struct TicketTests {
    static var family: [[String: Any]] { [
        ["type": "adult", "name": "Awa Ndong", "idNumber": "GA-1234567"],
        ["type": "child", "name": "Léa Ndong", "idNumber": "gab-7654321"],
        ["type": "infant", "name": "Noé Ndong"],
    ] }

    /// A booking made by `owner` and paid (the payments service's internal call): its PNR.
    static func confirmed(_ client: any TestClientProtocol, _ fixture: BookingFixture, trip: Int,
                          owner: String = "usr_a", passengers: [[String: Any]]? = nil,
                          travelClass: String = "second", to: String = "FCV") async throws -> String {
        let made = try await call(client, .post, "/api/v1/bookings", token: try fixture.token(owner, .customer),
                                  key: UUID().uuidString,
                                  json: bookingBody(trip: trip, travelClass: travelClass, passengers: passengers,
                                                    to: to))
        #expect(made.status == .created, "\(made.text)")
        let pnr = try #require(made["pnr"] as? String)
        let paid = try await call(client, .post, "/internal/bookings/\(pnr)/paid")
        #expect(paid["status"] as? String == "confirmed", "\(paid.text)")
        return pnr
    }

    static func tickets(_ client: any TestClientProtocol, _ fixture: BookingFixture, pnr: String,
                        owner: String = "usr_a") async throws -> [[String: Any]] {
        let answer = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets",
                                    token: try fixture.token(owner, .customer))
        #expect(answer.status == .ok, "\(answer.text)")
        return answer.objects("tickets")
    }

    static func qrs(_ client: any TestClientProtocol, _ fixture: BookingFixture, pnr: String,
                    owner: String = "usr_a") async throws -> [String] {
        try await tickets(client, fixture, pnr: pnr, owner: owner).compactMap { $0["qr"] as? String }
    }

    static func verify(_ client: any TestClientProtocol, _ fixture: BookingFixture, _ qr: String, trip: Int? = nil,
                       as subject: String = "usr_conductor", role: Role = .conductor) async throws -> JSONAnswer {
        var body: [String: Any] = ["qr": qr]
        if let trip { body["tripId"] = trip }
        return try await call(client, .post, "/api/v1/tickets/verify", token: try fixture.token(subject, role),
                              json: body)
    }

    static func publishedKeys(_ client: any TestClientProtocol) async throws -> [String: [String: Any]] {
        let answer = try await call(client, .get, "/api/v1/tickets/keys")
        #expect(answer.status == .ok)
        return Dictionary(uniqueKeysWithValues: answer.objects("keys").compactMap { key in
            (key["kid"] as? String).map { ($0, key) }
        })
    }

    /// Checks a ticket's signature with swift-crypto and the key published under its kid.
    static func signatureVerifies(_ ticket: ReadTicket, keys: [String: [String: Any]]) throws -> Bool {
        let text = try #require(keys[ticket.kidText]?["publicKey"] as? String, "kid \(ticket.kidText) not published")
        let raw = try #require(Data(base64URLEncoded: text))
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        return key.isValidSignature(ticket.signature, for: ticket.signed)
    }

    /// Moves the test clock to an hour before the booking's departure (tickets are good on the day of travel).
    static func toDayOfTravel(_ fixture: BookingFixture, pnr: String) async throws {
        let departure = try #require(try await fixture.parts.store.booking(pnr: pnr)).journey.departure
        fixture.clock.advance(seconds: departure.timeIntervalSince(fixture.clock.now()) - 3600)
    }

    // MARK: pure parts

    @Test func base45FollowsRFC9285() throws {
        #expect(Base45.encode(Array("AB".utf8)) == "BB8")
        #expect(Base45.encode(Array("Hello!!".utf8)) == "%69 VD92EX0")
        #expect(Base45.encode(Array("base-45".utf8)) == "UJCLQE7W581")
        #expect(Base45.decode("QED8WEX0") == Array("ietf!".utf8))
        #expect(Base45.encode([]) == "" && Base45.decode("") == [])
        // Not base45: a group over 65,535, a final pair over 255, a lone character, characters outside the set.
        for text in ["GGW", "GGW000", ":/", "A", "BB8A", "bb8", "BB8é", "BB8\n"] {
            #expect(Base45.decode(text) == nil, "\(text)")
        }
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let text = Base45.encode(bytes)
            #expect(Base45.decode(text) == bytes && base45Bytes(text) == bytes)
        }
    }

    @Test func holdersAreHashedFromNormalisedNamesAndIDNumbers() {
        #expect(TicketHolder.normalisedName("  Léa   Mba-Obame ") == "LEA MBA OBAME")
        #expect(TicketHolder.normalisedName("Ghislaine d'Ávila") == "GHISLAINE D AVILA")
        #expect(TicketHolder.normalisedIDNumber("gab-76 54") == "GAB7654")
        #expect(TicketHolder.normalisedIDNumber(nil) == "")
        let id: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(TicketHolder.hash(ticketID: id, name: "Léa Mba-Obame", idNumber: "GAB-7654")
            == TicketHolder.hash(ticketID: id, name: "LEA MBA OBAME", idNumber: "gab 7654"))
        #expect(TicketHolder.hash(ticketID: id, name: "Léa Mba-Obame", idNumber: "GAB-7654")
            != TicketHolder.hash(ticketID: id, name: "Léa Mba-Obame", idNumber: "GAB-7655"))
        // Salted by the ticket: one person's tickets do not share a hash.
        #expect(TicketHolder.hash(ticketID: id, name: "Awa", idNumber: "A1")
            != TicketHolder.hash(ticketID: [8, 7, 6, 5, 4, 3, 2, 1], name: "Awa", idNumber: "A1"))
        #expect(TicketIDGenerator.text([0, 0, 0, 0, 0, 0, 0, 0]) == "0000000000000")
        #expect(TicketIDGenerator.text([255, 255, 255, 255, 255, 255, 255, 255]) == "ZZZZZZZZZZZZY")
    }

    // MARK: keys and tickets

    @Test func theKeysArePublishedWithoutSignInAndMayBeCached() async throws {
        try await BookingFixture.run { fixture, client in
            let answer = try await call(client, .get, "/api/v1/tickets/keys")
            #expect(answer.status == .ok)
            #expect(answer.headers[.cacheControl] == "public, max-age=300")
            let keys = answer.objects("keys")
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            #expect((key["kid"] as? String)?.wholeMatch(of: /[0-9a-f]{4}/) != nil)
            #expect(key["alg"] as? String == "Ed25519")
            let publicKey = try #require(key["publicKey"] as? String)
            let raw = try #require(Data(base64URLEncoded: publicKey))
            #expect(raw.count == 32)
            #expect((key["validFrom"] as? String)?.hasSuffix("+01:00") == true)
            #expect(key["validUntil"] == nil)
            // Asked again: the same key (one signs at a time).
            let again = try await call(client, .get, "/api/v1/tickets/keys")
            #expect(again.objects("keys").map { $0["kid"] as? String } == [key["kid"] as? String])
            // The private key is sealed in the database.
            struct Row: Decodable {
                let public_key: Data
                let private_key_enc: Data
            }
            let row = try #require(try await fixture.bookingDB.pool.raw(
                "SELECT public_key, private_key_enc FROM ticket_keys").first(decoding: Row.self))
            #expect(row.public_key == raw)
            let stored = try #require(try await fixture.parts.tickets.store.ticketKeys().first)
            #expect(row.private_key_enc.range(of: stored.privateKey) == nil)
            #expect(row.private_key_enc.range(of: Data(stored.privateKey.base64EncodedString().utf8)) == nil)
        }
    }

    @Test func aConfirmedBookingHasOneSignedTicketPerPassengerThatReadsByteByByte() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let owner = try fixture.token("usr_a", .customer)
            // Not paid yet: no tickets (409).
            let unpaid = try await call(client, .post, "/api/v1/bookings", token: owner, key: "unpaid",
                                        json: bookingBody(trip: trip, passengers: Self.family))
            let pnr = try #require(unpaid["pnr"] as? String)
            let early = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets", token: owner)
            #expect(early.status == .conflict && early.problemType == "booking-state")
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM tickets") == 0)

            let paid = try await call(client, .post, "/internal/bookings/\(pnr)/paid")
            #expect(paid["status"] as? String == "confirmed")
            // Stored with the confirmation, one per passenger (the lap infant too).
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM tickets") == 3)
            _ = try await call(client, .post, "/internal/bookings/\(pnr)/paid")
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM tickets") == 3)

            let booking = try await call(client, .get, "/api/v1/bookings/\(pnr)", token: owner)
            let arrival = try Date(try #require((booking["to"] as? [String: Any])?["arrival"] as? String),
                                   strategy: .iso8601)
            let answer = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets", token: owner)
            #expect(answer.status == .ok && answer.headers[.cacheControl] == "no-store")
            #expect(answer["pnr"] as? String == pnr)
            let tickets = answer.objects("tickets")
            try #require(tickets.count == 3)
            #expect(tickets.map { $0["passengerName"] as? String } == ["Awa Ndong", "Léa Ndong", "Noé Ndong"])
            #expect(tickets.map { $0["lapInfant"] as? Bool } == [false, false, true])
            #expect(tickets.allSatisfy { $0["class"] as? String == "second" })
            #expect(tickets.allSatisfy { ($0["from"] as? [String: Any])?["departure"] as? String != nil })
            #expect(Set(tickets.compactMap { $0["id"] as? String }).count == 3)

            let keys = try await Self.publishedKeys(client)
            let seatsBooked = seats(booking)
            let serviceDate = try #require((booking["trip"] as? [String: Any])?["serviceDate"] as? String)
            let expected: [(name: String, id: String, type: Int)] = [
                ("AWA NDONG", "GA1234567", 1), ("LEA NDONG", "GAB7654321", 2), ("NOE NDONG", "", 3),
            ]
            struct IDRow: Decodable { let id: Data }
            let storedIDs = try await fixture.bookingDB.pool.raw("SELECT id FROM tickets ORDER BY passenger_seq")
                .all(decoding: IDRow.self).map { Array($0.id) }
            try #require(storedIDs.count == 3 && seats(booking).count == 2)
            for (index, ticket) in tickets.enumerated() {
                let qr = try #require(ticket["qr"] as? String)
                #expect(qr.count == 155)
                let read = ReadTicket(bytes: try #require(base45Bytes(qr)))
                #expect(read.bytes.count == 103)
                #expect(read.version == 1)
                #expect(keys[read.kidText] != nil)
                #expect(read.ticketID == storedIDs[index])
                #expect(TicketIDGenerator.text(read.ticketID) == ticket["id"] as? String)
                #expect(read.tripID == trip)
                #expect(read.serviceDay == (try daysSince2020(serviceDate)))
                #expect(read.from == "OWE" && read.to == "FCV")
                if index < 2 {
                    #expect(SeatRef(coach: read.coach, seat: read.seat) == seatsBooked[index])
                } else {
                    #expect(read.coach == 0 && read.seat == 0)
                }
                #expect(read.travelClass == 3)
                #expect(read.passengerType == expected[index].type)
                let holder = read.ticketID + Array(expected[index].name.utf8) + [0] + Array(expected[index].id.utf8)
                #expect(read.holderHash == Array(SHA256.hash(data: holder).prefix(8)))
                #expect(read.validUntilMinute == Int(arrival.timeIntervalSince1970 + 12 * 3600) / 60)
                #expect(try Self.signatureVerifies(read, keys: keys))
                // No personal data in clear.
                for secret in ["Awa", "AWA", "Ndong", "NDONG", "GA-1234567", "1234567"] {
                    #expect(Data(read.bytes).range(of: Data(secret.utf8)) == nil)
                }
            }
            // Asked again: the same codes (stored, not signed again).
            let again = try await Self.qrs(client, fixture, pnr: pnr)
            #expect(again == tickets.compactMap { $0["qr"] as? String })
        }
    }

    @Test func aBookingConfirmedWithoutTicketsGetsThemWhenTheyAreAskedFor() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip, passengers: Self.family)
            // As if it had been confirmed before tickets existed.
            _ = try await fixture.bookingDB.pool.exec(SQLQueryString("DELETE FROM tickets"))
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 { group.addTask { try await Self.qrs(client, fixture, pnr: pnr) } }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.count == 3 && $0 == answers[0] })
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM tickets") == 3)
            let keys = try await Self.publishedKeys(client)
            for qr in answers[0] {
                #expect(try Self.signatureVerifies(ReadTicket(bytes: try #require(base45Bytes(qr))), keys: keys))
            }
        }
    }

    /// A check made on a train without network is sent later with the instant it was made: the ticket is judged
    /// valid or not at that instant (its booking's state now), and the journal keeps that instant.
    @Test func aCheckMadeOfflineIsJudgedAndJournalledAtTheTimeItWasMade() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip)
            let qrs = try await Self.qrs(client, fixture, pnr: pnr)
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            let onBoard = fixture.clock.now()
            let browserStyle = ISO8601DateFormatter()
            browserStyle.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            func send(_ qr: String, at: String?) async throws -> JSONAnswer {
                var body: [String: Any] = ["qr": qr, "tripId": trip]
                if let at { body["scannedAt"] = at }
                return try await call(client, .post, "/api/v1/tickets/verify",
                                      token: try fixture.token("usr_conductor", .conductor), json: body)
            }
            // Two days later the phone finds a network: the ticket has expired by now, not when it was checked.
            fixture.clock.advance(seconds: 40 * 3600)
            let synced = try await send(qrs[0], at: browserStyle.string(from: onBoard))
            #expect(synced.status == .ok, "\(synced.text)")
            #expect(synced["valid"] as? Bool == true && synced["alreadyScanned"] as? Bool == false)
            let now = try await send(qrs[1], at: nil)
            #expect(now["valid"] as? Bool == false && now["reason"] as? String == "expired")
            struct Scan: Decodable { let scanned_at: Date }
            let journalled = try await fixture.bookingDB.pool.raw("""
                SELECT scanned_at FROM ticket_scans WHERE result = 'valid' ORDER BY scanned_at
                """).all(decoding: Scan.self)
            #expect(journalled.count == 1)
            #expect(abs((journalled.first?.scanned_at ?? .distantPast).timeIntervalSince(onBoard)) < 1)

            // From the future, older than the offline window, or not an instant: refused, nothing journalled.
            let scans = try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM ticket_scans")
            let later = fixture.clock.now().addingTimeInterval(3600)
            let tooOld = fixture.clock.now().addingTimeInterval(-80 * 3600)
            for (at, code) in [(browserStyle.string(from: later), "future"),
                               (ISO8601DateFormatter().string(from: tooOld), "too-old"),
                               ("hier soir", "invalid"), ("2026-13-45T99:00:00Z", "invalid")] {
                let answer = try await send(qrs[0], at: at)
                #expect(answer.status == .unprocessableContent && answer.isProblem, "\(at): \(answer.text)")
                #expect(answer.errorCodes.first?.hasPrefix("scannedAt:") == true, "\(at): \(answer.errorCodes)")
                if code != "invalid" { #expect(answer.errorCodes == ["scannedAt:\(code)"]) }
            }
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM ticket_scans") == scans)
        }
    }

    @Test func aConductorVerifiesATicketAndASecondScanIsFlagged() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip, passengers: Self.family)
            let qrs = try await Self.qrs(client, fixture, pnr: pnr)
            try #require(qrs.count == 3)
            let seat = try #require(try await fixture.parts.store.booking(pnr: pnr)?.passengers.first?.seat)

            // Days before: not yet.
            let early = try await Self.verify(client, fixture, qrs[0], trip: trip)
            #expect(early.status == .ok && early["valid"] as? Bool == false)
            #expect(early["reason"] as? String == "not-yet-valid")

            try await Self.toDayOfTravel(fixture, pnr: pnr)
            let first = try await Self.verify(client, fixture, qrs[0], trip: trip)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first["valid"] as? Bool == true && first["reason"] == nil)
            #expect(first["alreadyScanned"] as? Bool == false && first["firstScannedAt"] == nil)
            let ticket = try #require(first["ticket"] as? [String: Any])
            #expect(ticket["passengerName"] as? String == "Awa Ndong")
            #expect(ticket["seat"] as? [String: Int] == ["coach": seat.coach, "seat": seat.seat])
            #expect(ticket["class"] as? String == "second")
            #expect((ticket["from"] as? [String: Any])?["code"] as? String == "OWE")
            #expect((ticket["to"] as? [String: Any])?["name"] as? String == "Franceville")
            #expect(ticket["trainNumber"] as? Int == 211)
            #expect(ticket["serviceDate"] as? String == fixture.next(2, afterDays: 2).description)
            #expect(ticket["pnr"] as? String == pnr)

            // Again, by an agent: still valid, but flagged with the first scan's time.
            let second = try await Self.verify(client, fixture, qrs[0], as: "usr_agent", role: .agent)
            #expect(second["valid"] as? Bool == true)
            #expect(second["alreadyScanned"] as? Bool == true)
            let firstAt = try #require(second["firstScannedAt"] as? String)
            #expect(firstAt.hasSuffix("+01:00"))
            #expect(abs(try Date(firstAt, strategy: .iso8601).timeIntervalSince(fixture.clock.now())) < 5)

            // On another train: refused.
            let other = try await fixture.tripID(train: 433, date: fixture.next(4, afterDays: 2))
            let wrong = try await Self.verify(client, fixture, qrs[1], trip: other)
            #expect(wrong["valid"] as? Bool == false && wrong["reason"] as? String == "wrong-train")
            #expect((wrong["ticket"] as? [String: Any])?["passengerName"] as? String == "Léa Ndong")

            // The lap infant's ticket.
            let infant = try await Self.verify(client, fixture, qrs[2], trip: trip)
            #expect(infant["valid"] as? Bool == true)
            let infantTicket = try #require(infant["ticket"] as? [String: Any])
            #expect(infantTicket["lapInfant"] as? Bool == true && infantTicket["seat"] == nil)

            // Parallel scans of a fresh ticket: exactly one is the first.
            let answers = try await withThrowingTaskGroup(of: JSONAnswer.self) { group in
                for index in 0..<6 {
                    group.addTask { try await Self.verify(client, fixture, qrs[1], trip: trip, as: "usr_c\(index)") }
                }
                return try await group.reduce(into: [JSONAnswer]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0["valid"] as? Bool == true })
            #expect(answers.filter { $0["alreadyScanned"] as? Bool == false }.count == 1)

            // Every scan is journalled: ticket, scanner, time, result.
            struct Scan: Decodable {
                let scanned_by: String
                let result: String
                let ticket_id: Data?
                let trip_id: Int?
            }
            let scans = try await fixture.bookingDB.pool.raw("""
                SELECT scanned_by, result, ticket_id, trip_id FROM ticket_scans ORDER BY id
                """).all(decoding: Scan.self)
            try #require(scans.count == 11)
            #expect(Array(scans.prefix(5).map(\.result))
                == ["not-yet-valid", "valid", "valid", "wrong-train", "valid"])
            #expect(Array(scans.prefix(3).map(\.scanned_by)) == ["usr_conductor", "usr_conductor", "usr_agent"])
            #expect(scans[3].trip_id == other && scans[2].trip_id == nil)
            #expect(scans.allSatisfy { $0.ticket_id?.count == 8 })

            // After the end of validity: expired.
            fixture.clock.advance(seconds: 3 * 86_400)
            let late = try await Self.verify(client, fixture, qrs[0], trip: trip)
            #expect(late["valid"] as? Bool == false && late["reason"] as? String == "expired")
        }
    }

    @Test func aTicketWithAnyBitFlippedIsRefused() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip)
            let qr = try #require(try await Self.qrs(client, fixture, pnr: pnr).first)
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            #expect(try await Self.verify(client, fixture, qr, trip: trip)["valid"] as? Bool == true)
            let bytes = try #require(base45Bytes(qr))
            var reasons: [String: Int] = [:]
            for bit in 0..<(bytes.count * 8) {
                var tampered = bytes
                tampered[bit / 8] ^= 1 << UInt8(bit % 8)
                let answer = try await Self.verify(client, fixture, Base45.encode(tampered), trip: trip)
                if answer.status == .ok {
                    #expect(answer["valid"] as? Bool == false, "bit \(bit)")
                    #expect(answer["ticket"] == nil, "bit \(bit)")
                    reasons[answer["reason"] as? String ?? "?", default: 0] += 1
                } else {
                    // The version byte, or a station code that is no longer letters: not a ticket at all.
                    #expect(answer.status == .unprocessableContent && answer.isProblem, "bit \(bit): \(answer.text)")
                    reasons["422", default: 0] += 1
                }
            }
            #expect(reasons.values.reduce(0, +) == 103 * 8)
            #expect(reasons["unknown-key"] == 16)
            #expect((reasons["bad-signature"] ?? 0) > 64 * 8)
            #expect(Set(reasons.keys).isSubset(of: ["unknown-key", "bad-signature", "422"]))
        }
    }

    @Test func forgedTicketsAreRefused() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip)
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            let genuineQR = try #require(try await Self.qrs(client, fixture, pnr: pnr).first)
            let genuine = try #require(base45Bytes(genuineQR))
            let read = ReadTicket(bytes: genuine)
            let forger = Curve25519.Signing.PrivateKey()
            func signed(kid: Int, _ body: [UInt8]) throws -> String {
                var bytes = body
                bytes[1] = UInt8(kid >> 8)
                bytes[2] = UInt8(kid & 0xFF)
                let head = Array(bytes[0..<39])
                return Base45.encode(head + Array(try forger.signature(for: head)))
            }
            let publishedKid = try #require(try await Self.publishedKeys(client).keys.first)
            let published = try #require(Int(publishedKid, radix: 16))
            // A key id nobody published.
            let unknown = try await Self.verify(client, fixture, try signed(kid: published ^ 0x5A5A, genuine))
            #expect(unknown["valid"] as? Bool == false && unknown["reason"] as? String == "unknown-key")
            // The published key id, signed by someone else.
            let forged = try await Self.verify(client, fixture, try signed(kid: read.kid, genuine))
            #expect(forged["valid"] as? Bool == false && forged["reason"] as? String == "bad-signature")
            #expect(forged["ticket"] == nil)
            // Neither is recorded against the genuine ticket, nor counts as its first scan.
            struct Scan: Decodable {
                let ticket_id: Data?
                let result: String
            }
            let scans = try await fixture.bookingDB.pool.raw("SELECT ticket_id, result FROM ticket_scans ORDER BY id")
                .all(decoding: Scan.self)
            #expect(scans.map(\.result) == ["unknown-key", "bad-signature"])
            #expect(scans.allSatisfy { $0.ticket_id == nil })
            let real = try await Self.verify(client, fixture, Base45.encode(genuine))
            #expect(real["valid"] as? Bool == true && real["alreadyScanned"] as? Bool == false)
        }
    }

    @Test func aCancelledBookingsTicketsNoLongerHold() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip)
            let qrs = try await Self.qrs(client, fixture, pnr: pnr)
            let cancelled = try await call(client, .post, "/api/v1/bookings/\(pnr)/cancel",
                                           token: try fixture.token("usr_a", .customer), key: "cancel")
            #expect(cancelled["status"] as? String == "refund_pending")
            let listed = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets",
                                        token: try fixture.token("usr_a", .customer))
            #expect(listed.status == .conflict && listed.problemType == "booking-state")
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            for qr in qrs {
                let answer = try await Self.verify(client, fixture, qr, trip: trip)
                #expect(answer["valid"] as? Bool == false && answer["reason"] as? String == "cancelled")
                #expect((answer["ticket"] as? [String: Any])?["pnr"] as? String == pnr)
            }
            // Gone from the manifest too.
            let manifest = try await call(client, .get, "/api/v1/tickets/manifest?tripId=\(trip)",
                                          token: try fixture.token("usr_conductor", .conductor))
            #expect(manifest.status == .ok && manifest.objects("passengers").isEmpty)
        }
    }

    // MARK: who may do what

    @Test func onlyStaffVerifyAndReadManifestsAndOnlyOwnersAndStaffSeeTickets() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip, passengers: Self.family)
            let qr = try #require(try await Self.qrs(client, fixture, pnr: pnr).first)
            let other = try await Self.confirmed(client, fixture, trip: trip, owner: "usr_b", passengers: [
                ["type": "adult", "name": "Béa Mba", "idNumber": "B-1234"],
            ], to: "NDJ")

            // Another customer: 404, like for a PNR that does not exist; anonymous: 401.
            let stranger = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets",
                                          token: try fixture.token("usr_b", .customer))
            #expect(stranger.status == .notFound && stranger.isProblem)
            #expect(try await call(client, .get, "/api/v1/bookings/ZZZZZZ/tickets",
                                   token: try fixture.token("usr_b", .customer)).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets").status == .unauthorized)
            for role in [Role.conductor, .agent] {
                let staff = try await call(client, .get, "/api/v1/bookings/\(pnr)/tickets",
                                           token: try fixture.token("usr_staff", role))
                #expect(staff.status == .ok && staff.objects("tickets").count == 3, "\(role)")
            }

            // A customer may neither verify nor read a manifest.
            let customer = try await Self.verify(client, fixture, qr, as: "usr_a", role: .customer)
            #expect(customer.status == .forbidden && customer.isProblem)
            let anonymous = try await call(client, .post, "/api/v1/tickets/verify", json: ["qr": qr])
            #expect(anonymous.status == .unauthorized)
            for role in [Role.customer, .b2bMember] {
                let refused = try await call(client, .get, "/api/v1/tickets/manifest?tripId=\(trip)",
                                             token: try fixture.token("usr_x", role))
                #expect(refused.status == .forbidden, "\(role)")
            }
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM ticket_scans") == 0)

            // A conductor scans one ticket, then reads the manifest: by coach then seat, the infant after their
            // booking's first seated passenger, with ID numbers and who was scanned.
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            #expect(try await Self.verify(client, fixture, qr, trip: trip)["valid"] as? Bool == true)
            let manifest = try await call(client, .get, "/api/v1/tickets/manifest?tripId=\(trip)",
                                          token: try fixture.token("usr_conductor", .conductor))
            #expect(manifest.status == .ok, "\(manifest.text)")
            #expect(manifest.headers[.cacheControl] == "no-store")
            #expect(manifest["tripId"] as? Int == trip && manifest["trainNumber"] as? Int == 211)
            #expect(manifest["count"] as? Int == 4)
            let rows = manifest.objects("passengers")
            try #require(rows.count == 4)
            let family = try #require(try await fixture.parts.store.booking(pnr: pnr)).passengers
            let beaSeat = try #require(try await fixture.parts.store.booking(pnr: other)).passengers.first?.seat
            let sortedSeats = [family[0].seat, family[1].seat, beaSeat].compactMap { $0 }
                .sorted { ($0.coach, $0.seat) < ($1.coach, $1.seat) }
            let rowSeats = rows.compactMap { row -> SeatRef? in
                guard let seat = row["seat"] as? [String: Int] else { return nil }
                return SeatRef(coach: seat["coach"]!, seat: seat["seat"]!)
            }
            #expect(rowSeats == sortedSeats)
            let names = rows.map { $0["name"] as? String ?? "" }
            let awa = try #require(names.firstIndex(of: "Awa Ndong"))
            try #require(awa + 1 < rows.count)
            #expect(names.count == 4 && names[awa + 1] == "Noé Ndong")
            #expect(rows[awa + 1]["lapInfant"] as? Bool == true && rows[awa + 1]["seat"] == nil)
            let bea = try #require(rows.first { $0["name"] as? String == "Béa Mba" })
            #expect(bea["idNumber"] as? String == "B-1234" && bea["pnr"] as? String == other)
            #expect((bea["to"] as? [String: Any])?["code"] as? String == "NDJ")
            #expect(bea["scanned"] as? Bool == false)
            #expect(rows[awa]["scanned"] as? Bool == true && rows[awa]["firstScannedAt"] as? String != nil)
            #expect(rows[awa]["idNumber"] as? String == "GA-1234567")
            // Each read is audited: who, which trip, how many passengers, under the request's id.
            let audit = fixture.logs.entries("manifest read")
            #expect(audit.count == 1)
            #expect(audit.first?.level == .notice)
            #expect(audit.first?.metadata["audit"] == "manifest.read")
            #expect(audit.first?.metadata["subject"] == "usr_conductor")
            #expect(audit.first?.metadata["trip_id"] == "\(trip)" && audit.first?.metadata["passengers"] == "4")
            #expect(audit.first?.metadata["request_id"] == manifest.headers[RequestIDMiddleware<AppContext>.header])
            // An agent and an operator may read it too; a trip nobody booked is an empty list.
            for role in [Role.agent, .operator] {
                let read = try await call(client, .get, "/api/v1/tickets/manifest?tripId=\(trip)",
                                          token: try fixture.token("usr_staff", role))
                #expect(read.status == .ok && read["count"] as? Int == 4, "\(role)")
            }
            let empty = try await call(client, .get, "/api/v1/tickets/manifest?tripId=99999999",
                                       token: try fixture.token("usr_conductor", .conductor))
            #expect(empty.status == .ok && empty["count"] as? Int == 0)
            for query in ["", "?tripId=", "?tripId=abc", "?tripId=-1", "?tripId=99999999999999999999999"] {
                let bad = try await call(client, .get, "/api/v1/tickets/manifest\(query)",
                                         token: try fixture.token("usr_conductor", .conductor))
                #expect(bad.status == .unprocessableContent && bad.isProblem, "\(query)")
            }
        }
    }

    @Test func malformedCodesAreRefusedWithoutA500() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.express()
            let pnr = try await Self.confirmed(client, fixture, trip: trip)
            let qr = try #require(try await Self.qrs(client, fixture, pnr: pnr).first)
            let bytes = try #require(base45Bytes(qr))
            let token = try fixture.token("usr_conductor", .conductor)
            var version2 = bytes
            version2[0] = 2
            let garbage = [UInt8(1)] + (0..<102).map { _ in UInt8.random(in: 0...255) }
            let cases: [(name: String, body: [String: Any]?, raw: String?, codes: [String])] = [
                ("empty", ["qr": ""], nil, ["qr:required"]),
                ("line ends only", ["qr": "\r\n"], nil, ["qr:required"]),
                ("huge", ["qr": String(repeating: "A", count: 100_000)], nil, ["qr:too-long"]),
                ("lower case", ["qr": qr.lowercased()], nil, ["qr:not-base45"]),
                ("not base45", ["qr": "SETRAG#1"], nil, ["qr:not-base45"]),
                ("accents", ["qr": "ÉÉÉ"], nil, ["qr:not-base45"]),
                ("one character short", ["qr": String(qr.dropLast())], nil, ["qr:not-base45"]),
                ("truncated", ["qr": String(qr.dropLast(2))], nil, ["qr:wrong-length"]),
                ("a prefix", ["qr": String(qr.prefix(30))], nil, ["qr:wrong-length"]),
                ("bytes added", ["qr": qr + "000"], nil, ["qr:wrong-length"]),
                ("version 2", ["qr": Base45.encode(version2)], nil, ["qr:unsupported-version"]),
                ("a JWT", ["qr": try fixture.token("usr_a", .customer)], nil, ["qr:not-base45"]),
                ("not a string", ["qr": 42], nil, ["qr:wrong-type"]),
                ("missing", [:], nil, ["qr:required"]),
                ("unknown field", ["qr": qr, "pnr": pnr], nil, ["pnr:unknown-field"]),
                ("negative trip", ["qr": qr, "tripId": -1], nil, ["tripId:out-of-range"]),
                ("huge trip", ["qr": qr, "tripId": 1e30], nil, []),
                ("trip as text", ["qr": qr, "tripId": "211"], nil, ["tripId:wrong-type"]),
                ("not JSON", nil, "{\"qr\": ", []),
                ("an array", nil, "[\"\(qr)\"]", []),
            ]
            for test in cases {
                let answer = try await call(client, .post, "/api/v1/tickets/verify", token: token, json: test.body,
                                            raw: test.raw)
                #expect((400..<500).contains(answer.status.code) && answer.isProblem, "\(test.name): \(answer.text)")
                if !test.codes.isEmpty {
                    #expect(answer.errorCodes == test.codes, "\(test.name): \(answer.text)")
                }
            }
            #expect(try await fixture.count(fixture.bookingDB, "SELECT COUNT(*) AS n FROM ticket_scans") == 0)
            // Random bytes shaped like a ticket: refused one way or the other, never a 500.
            let random = try await Self.verify(client, fixture, Base45.encode(garbage))
            #expect(random.status == .unprocessableContent || random["valid"] as? Bool == false, "\(random.text)")
            // A trailing line end from a scanner is forgiven.
            try await Self.toDayOfTravel(fixture, pnr: pnr)
            #expect(try await Self.verify(client, fixture, qr + "\r\n")["valid"] as? Bool == true)
        }
    }

    // MARK: rotation

    @Test func afterARotationTicketsOfThePreviousKeyHoldWhileItIsPublished() async throws {
        try await BookingFixture.run { fixture, client in
            let trip = try await fixture.tripID(train: 211, date: fixture.next(2, afterDays: 7))
            let before = try await Self.confirmed(client, fixture, trip: trip, passengers: [Self.family[0]])
            let oldKeys = try await Self.publishedKeys(client)
            #expect(oldKeys.count == 1)
            let oldKid = try #require(oldKeys.keys.first)

            // The next key is published at once but signs only after the activation delay (48 h by default).
            let rotationTime = fixture.clock.now()
            #expect(try await fixture.parts.tickets.keys.rotateIfDue(now: rotationTime) == false)
            #expect(try await fixture.parts.tickets.keys.rotateIfDue(now: rotationTime, force: true))
            let bothKeys = try await Self.publishedKeys(client)
            #expect(bothKeys.count == 2)
            let newKid = try #require(bothKeys.keys.first { $0 != oldKid })
            let newFrom = try Date(try #require(bothKeys[newKid]?["validFrom"] as? String), strategy: .iso8601)
            #expect(abs(newFrom.timeIntervalSince(rotationTime) - 48 * 3600) < 1)
            #expect(bothKeys[oldKid]?["validUntil"] == nil)
            let meanwhile = try await Self.confirmed(client, fixture, trip: trip, passengers: [Self.family[0]])
            let meanwhileQR = try #require(try await Self.qrs(client, fixture, pnr: meanwhile).first)
            #expect(ReadTicket(bytes: try #require(base45Bytes(meanwhileQR))).kidText == oldKid)

            // Once it is active, it signs; the previous key stays published until its last ticket expires.
            fixture.clock.advance(seconds: 48 * 3600 + 60)
            let after = try await Self.confirmed(client, fixture, trip: trip, passengers: [Self.family[0]])
            let afterQR = try #require(try await Self.qrs(client, fixture, pnr: after).first)
            let beforeQR = try #require(try await Self.qrs(client, fixture, pnr: before).first)
            let afterTicket = ReadTicket(bytes: try #require(base45Bytes(afterQR)))
            let beforeTicket = ReadTicket(bytes: try #require(base45Bytes(beforeQR)))
            #expect(afterTicket.kidText == newKid && beforeTicket.kidText == oldKid)
            let keys = try await Self.publishedKeys(client)
            #expect(Set(keys.keys) == [oldKid, newKid])
            let oldUntil = try Date(try #require(keys[oldKid]?["validUntil"] as? String), strategy: .iso8601)
            #expect(Int(oldUntil.timeIntervalSince1970) / 60 == beforeTicket.validUntilMinute)
            #expect(try Self.signatureVerifies(beforeTicket, keys: keys))
            #expect(try Self.signatureVerifies(afterTicket, keys: keys))

            try await Self.toDayOfTravel(fixture, pnr: before)
            for qr in [beforeQR, meanwhileQR, afterQR] {
                let answer = try await Self.verify(client, fixture, qr, trip: trip)
                #expect(answer["valid"] as? Bool == true, "\(answer.text)")
            }
            // Past the last ticket the old key signed: no longer published; its tickets have expired.
            fixture.clock.advance(seconds: oldUntil.timeIntervalSince(fixture.clock.now()) + 60)
            #expect(Set(try await Self.publishedKeys(client).keys) == [newKid])
            let expired = try await Self.verify(client, fixture, beforeQR, trip: trip)
            #expect(expired["valid"] as? Bool == false && expired["reason"] as? String == "expired")
        }
    }
}

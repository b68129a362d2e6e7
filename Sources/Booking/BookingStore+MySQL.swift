import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Booking's tables in MySQL (see `BookingMigrations`). Names, ID numbers and the contact phone are sealed with
/// `FieldCrypto`, each bound to its booking's PNR, its passenger and its column; the phone has a keyed hash beside it.
public struct MySQLBookingStore: BookingStore {
    let db: any MySQLDatabase
    let crypto: FieldCrypto

    public init(database: any MySQLDatabase, crypto: FieldCrypto) {
        self.db = database
        self.crypto = crypto
    }

    static func sealContext(_ pnr: String, _ column: String) -> String { "bookings:\(pnr):\(column)" }
    static func sealContext(_ pnr: String, passenger seq: Int, _ column: String) -> String {
        "booking_passengers:\(pnr):\(seq):\(column)"
    }

    func phoneHash(_ phone: String) -> Data { crypto.lookupHash(phone, purpose: "phone") }

    // MARK: fares

    struct PolicyRow: Decodable {
        let source: String
        let currency: String
        let rounding_step: Int
        let minimum_fare: Int
    }

    struct ClassRow: Decodable {
        let code: String
        let name: String
        let per_km: Int
    }

    struct PassengerTypeRow: Decodable {
        let code: String
        let name: String
        let min_age: Int?
        let max_age: Int?
        let fare_percent: Int
        let needs_seat: Bool
        let on_lap_of: String?
    }

    struct RuleRow: Decodable {
        let cause: String
        let action: String
        let from_hours_before: Int?
        let fee_percent: Int
    }

    public func fareBook() async throws -> FareBook? {
        guard let policy = try await db.raw("""
            SELECT source, currency, rounding_step, minimum_fare FROM fare_policy WHERE id = 1
            """).first(decoding: PolicyRow.self) else { return nil }
        let classes = try await db.raw("SELECT code, name, per_km FROM fare_classes ORDER BY sort_order, code")
            .all(decoding: ClassRow.self)
        let types = try await db.raw("""
            SELECT code, name, min_age, max_age, fare_percent, needs_seat, on_lap_of FROM passenger_types
            ORDER BY sort_order, code
            """).all(decoding: PassengerTypeRow.self)
        let rules = try await db.raw("""
            SELECT cause, action, from_hours_before, fee_percent FROM fare_change_rules ORDER BY cause, action, seq
            """).all(decoding: RuleRow.self)
        return FareBook(
            source: policy.source, currency: policy.currency, roundingStep: policy.rounding_step,
            minimumFare: policy.minimum_fare,
            classes: classes.map { .init(code: $0.code, name: $0.name, perKm: $0.per_km) },
            passengerTypes: types.map {
                .init(code: $0.code, name: $0.name, minAge: $0.min_age, maxAge: $0.max_age,
                      farePercent: $0.fare_percent, needsSeat: $0.needs_seat, onLapOf: $0.on_lap_of)
            },
            changeRules: rules.compactMap { row in
                guard let cause = FareBook.Cause(rawValue: row.cause),
                      let action = FareBook.Action(rawValue: row.action) else { return nil }
                return .init(cause: cause, action: action, fromHoursBefore: row.from_hours_before,
                             feePercent: row.fee_percent)
            })
    }

    public func save(_ fares: FareBook) async throws -> Int {
        try await db.withTransaction { tx in
            var changed = try await Self.upsert(
                tx, "fare_policy", ["id", "source", "currency", "rounding_step", "minimum_fare"], keys: ["id"],
                rows: [[1, fares.source, fares.currency, fares.roundingStep, fares.minimumFare]])
            changed += try await Self.upsert(
                tx, "fare_classes", ["code", "name", "per_km", "sort_order"], keys: ["code"],
                rows: fares.classes.enumerated().map { [$1.code, $1.name, $1.perKm, $0 + 1] })
            changed += try await Self.upsert(
                tx, "passenger_types",
                ["code", "name", "min_age", "max_age", "fare_percent", "needs_seat", "on_lap_of", "sort_order"],
                keys: ["code"],
                rows: fares.passengerTypes.enumerated().map {
                    [$1.code, $1.name, $1.minAge, $1.maxAge, $1.farePercent, $1.needsSeat, $1.onLapOf, $0 + 1]
                })
            var rules: [[any Encodable & Sendable]] = []
            for cause in FareBook.Cause.allCases {
                for action in FareBook.Action.allCases {
                    let list = fares.changeRules.filter { $0.cause == cause && $0.action == action }
                    rules += list.enumerated().map {
                        [cause.rawValue, action.rawValue, $0 + 1, $1.fromHoursBefore, $1.feePercent]
                    }
                    changed += Int(try await tx.exec(SQLQueryString("""
                        DELETE FROM fare_change_rules WHERE cause = \(bind: cause.rawValue)
                            AND action = \(bind: action.rawValue) AND seq > \(bind: list.count)
                        """)).affectedRows)
                }
            }
            changed += try await Self.upsert(
                tx, "fare_change_rules", ["cause", "action", "seq", "from_hours_before", "fee_percent"],
                keys: ["cause", "action", "seq"], rows: rules)
            let classes = fares.classes.map { $0.code as any Encodable & Sendable }
            changed += Int(try await tx.exec(SQLQueryString(
                "DELETE FROM fare_classes WHERE code NOT IN (\(binds: classes))")).affectedRows)
            let types = fares.passengerTypes.map { $0.code as any Encodable & Sendable }
            changed += Int(try await tx.exec(SQLQueryString(
                "DELETE FROM passenger_types WHERE code NOT IN (\(binds: types))")).affectedRows)
            return changed
        }
    }

    /// INSERT … ON DUPLICATE KEY UPDATE of every column but the keys; returns the rows changed.
    static func upsert(_ db: any MySQLDatabase, _ table: String, _ columns: [String], keys: Set<String>,
                       rows: [[any Encodable & Sendable]]) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let builder = db.insert(into: table).columns(columns)
        for row in rows { builder.values(row) }
        builder.onConflict { update in
            columns.filter { !keys.contains($0) }.reduce(update) { $0.set(excludedValueOf: $1) }
        }
        return Int(try await db.exec(builder.insert).affectedRows)
    }

    // MARK: bookings

    public func pnrExists(_ pnr: String) async throws -> Bool {
        struct Row: Decodable { let id: Int }
        return try await db.raw("SELECT id FROM bookings WHERE pnr = \(bind: pnr)").first(decoding: Row.self) != nil
    }

    public func insert(_ booking: BookingRecord, idempotencyUse: Data?) async throws {
        try await insert(booking, idempotencyUse: idempotencyUse, then: { _ in })
    }

    /// Inserts the booking and its passengers, then runs `after` in the same transaction (an exchange stores the
    /// new booking's tickets and retires the old booking there).
    func insert(_ booking: BookingRecord, idempotencyUse: Data?,
                then after: @Sendable (any MySQLDatabase) async throws -> Void) async throws {
        let pnr = booking.pnr
        let phone = try crypto.seal(booking.contactPhone, context: Self.sealContext(pnr, "contact_phone"))
        let journey = booking.journey
        do {
            try await db.withTransaction { tx in
                let id = try await tx.exec(SQLQueryString("""
                    INSERT INTO bookings (pnr, status, owner_id, sold_by, trip_id, train_number, service, service_date,
                        from_station, from_name, to_station, to_name, departs_at, arrives_at, class_code, distance_m,
                        total_amount, currency, hold_id, hold_expires_at, contact_phone_enc, contact_phone_hash,
                        refund_amount, idempotency_use_id, created_at, updated_at, paid_at, exchange_of,
                        exchange_credit, exchange_fee_percent, exchange_fee, amount_due)
                    VALUES (\(bind: pnr), \(bind: booking.status.rawValue), \(bind: booking.ownerID),
                        \(bind: booking.soldBy), \(bind: journey.tripID), \(bind: journey.trainNumber),
                        \(bind: journey.service), \(bind: journey.serviceDate), \(bind: journey.from.code),
                        \(bind: journey.from.name), \(bind: journey.to.code), \(bind: journey.to.name),
                        \(bind: journey.departure), \(bind: journey.arrival), \(bind: booking.travelClass),
                        \(bind: booking.distanceMetres), \(bind: booking.total), \(bind: booking.currency),
                        \(bind: booking.holdID), \(bind: booking.holdExpiresAt), \(bind: phone),
                        \(bind: phoneHash(booking.contactPhone)), \(bind: booking.refundAmount),
                        \(bind: idempotencyUse), \(bind: booking.createdAt), \(bind: booking.createdAt),
                        \(bind: booking.paidAt), \(bind: booking.exchange?.of), \(bind: booking.exchange?.credit),
                        \(bind: booking.exchange?.feePercent), \(bind: booking.exchange?.fee),
                        \(bind: booking.exchange?.amountDue))
                    """)).lastInsertID
                let rows = tx.insert(into: "booking_passengers").columns(
                    "booking_id", "seq", "passenger_type", "name_enc", "id_number_enc", "coach_position",
                    "seat_number", "fare_amount")
                for (index, passenger) in booking.passengers.enumerated() {
                    let seq = index + 1
                    let name = try crypto.seal(passenger.name, context: Self.sealContext(pnr, passenger: seq, "name"))
                    let idNumber = try passenger.idNumber.map {
                        try crypto.seal($0, context: Self.sealContext(pnr, passenger: seq, "id_number"))
                    }
                    rows.values([id, seq, passenger.type, name, idNumber, passenger.seat?.coach, passenger.seat?.seat,
                                 passenger.fare] as [any Encodable & Sendable])
                }
                _ = try await tx.exec(rows.insert)
                try await after(tx)
            }
        } catch MySQLError.duplicateKey(let message) {
            throw message.contains("bookings_idempotency") ? BookingStoreError.duplicateIdempotencyUse
                : BookingStoreError.duplicatePNR
        }
    }

    static let bookingColumns = """
        id, pnr, status, owner_id, sold_by, trip_id, train_number, service, service_date, from_station, from_name,
        to_station, to_name, departs_at, arrives_at, class_code, distance_m, total_amount, currency, hold_id,
        hold_expires_at, contact_phone_enc, refund_amount, created_at, paid_at, cancelled_at, cancelled_by_setrag_at,
        cancelled_by_setrag_reason, exchange_of, exchange_credit, exchange_fee_percent, exchange_fee, amount_due,
        exchanged_to, refunded_amount
        """

    struct BookingRow: Decodable {
        let id: Int
        let pnr: String
        let status: String
        let owner_id: String
        let sold_by: String?
        let trip_id: Int
        let train_number: Int
        let service: String
        let service_date: String
        let from_station: String
        let from_name: String
        let to_station: String
        let to_name: String
        let departs_at: Date
        let arrives_at: Date
        let class_code: String
        let distance_m: Int
        let total_amount: Int
        let currency: String
        let hold_id: Int
        let hold_expires_at: Date
        let contact_phone_enc: Data
        let refund_amount: Int?
        let created_at: Date
        let paid_at: Date?
        let cancelled_at: Date?
        let cancelled_by_setrag_at: Date?
        let cancelled_by_setrag_reason: String?
        let exchange_of: String?
        let exchange_credit: Int?
        let exchange_fee_percent: Int?
        let exchange_fee: Int?
        let amount_due: Int?
        let exchanged_to: String?
        let refunded_amount: Int

        var exchange: ExchangeTerms? {
            guard let exchange_of, let exchange_credit, let exchange_fee_percent, let exchange_fee else { return nil }
            return ExchangeTerms(of: exchange_of, credit: exchange_credit, feePercent: exchange_fee_percent,
                                 fee: exchange_fee, newTotal: total_amount)
        }

        var journey: Journey {
            Journey(tripID: trip_id, trainNumber: train_number, service: service, serviceDate: service_date,
                    from: .init(code: from_station, name: from_name), to: .init(code: to_station, name: to_name),
                    departure: departs_at, arrival: arrives_at)
        }
    }

    struct PassengerRow: Decodable {
        let seq: Int
        let passenger_type: String
        let name_enc: Data
        let id_number_enc: Data?
        let coach_position: Int?
        let seat_number: Int?
        let fare_amount: Int
    }

    func record(_ row: BookingRow) async throws -> BookingRecord {
        let pnr = row.pnr
        let passengers = try await db.raw("""
            SELECT seq, passenger_type, name_enc, id_number_enc, coach_position, seat_number, fare_amount
            FROM booking_passengers WHERE booking_id = \(bind: row.id) ORDER BY seq
            """).all(decoding: PassengerRow.self).map { p in
            BookedPassenger(
                type: p.passenger_type,
                name: try crypto.open(p.name_enc, context: Self.sealContext(pnr, passenger: p.seq, "name")),
                idNumber: try p.id_number_enc.map {
                    try crypto.open($0, context: Self.sealContext(pnr, passenger: p.seq, "id_number"))
                },
                seat: p.coach_position.flatMap { coach in p.seat_number.map { SeatRef(coach: coach, seat: $0) } },
                fare: p.fare_amount)
        }
        return BookingRecord(
            pnr: pnr, status: BookingStatus(rawValue: row.status) ?? .cancelled, ownerID: row.owner_id,
            soldBy: row.sold_by, journey: row.journey, travelClass: row.class_code, distanceMetres: row.distance_m,
            passengers: passengers,
            contactPhone: try crypto.open(row.contact_phone_enc, context: Self.sealContext(pnr, "contact_phone")),
            total: row.total_amount, currency: row.currency, holdID: row.hold_id, holdExpiresAt: row.hold_expires_at,
            refundAmount: row.refund_amount, createdAt: row.created_at, paidAt: row.paid_at,
            cancelledAt: row.cancelled_at,
            operatorCancellation: row.cancelled_by_setrag_at.map {
                OperatorCancellation(reason: row.cancelled_by_setrag_reason ?? "", at: $0)
            },
            notices: try await notices(pnr: pnr, limit: Self.noticesShown), exchange: row.exchange,
            exchangedTo: row.exchanged_to, refundedAmount: row.refunded_amount)
    }

    /// How many of a booking's latest notices its reads carry.
    static let noticesShown = 10

    struct NoticeRow: Decodable {
        let kind: String
        let message_fr: String
        let message_en: String
        let created_at: Date
    }

    /// A booking's latest notices, newest first.
    func notices(pnr: String, limit: Int) async throws -> [BookingNotice] {
        try await db.raw("""
            SELECT kind, message_fr, message_en, created_at FROM booking_notices WHERE pnr = \(bind: pnr)
            ORDER BY created_at DESC, id DESC LIMIT \(literal: max(1, limit))
            """).all(decoding: NoticeRow.self).map {
            BookingNotice(kind: $0.kind, french: $0.message_fr, english: $0.message_en, at: $0.created_at)
        }
    }

    public func booking(pnr: String) async throws -> BookingRecord? {
        guard let row = try await db.raw("""
            SELECT \(unsafeRaw: Self.bookingColumns) FROM bookings WHERE pnr = \(bind: pnr)
            """).first(decoding: BookingRow.self) else { return nil }
        return try await record(row)
    }

    public func booking(idempotencyUse: Data) async throws -> BookingRecord? {
        guard let row = try await db.raw("""
            SELECT \(unsafeRaw: Self.bookingColumns) FROM bookings WHERE idempotency_use_id = \(bind: idempotencyUse)
            """).first(decoding: BookingRow.self) else { return nil }
        return try await record(row)
    }

    struct SummaryRow: Decodable {
        let pnr: String
        let status: String
        let trip_id: Int
        let train_number: Int
        let service: String
        let service_date: String
        let from_station: String
        let from_name: String
        let to_station: String
        let to_name: String
        let departs_at: Date
        let arrives_at: Date
        let class_code: String
        let passengers: Int
        let total_amount: Int
        let currency: String
        let hold_expires_at: Date
        let created_at: Date
        let cancelled_by_setrag_at: Date?
        let cancelled_by_setrag_reason: String?
    }

    public func bookings(owner: String, limit: Int) async throws -> [BookingSummary] {
        try await db.raw("""
            SELECT b.pnr, b.status, b.trip_id, b.train_number, b.service, b.service_date, b.from_station, b.from_name,
                b.to_station, b.to_name, b.departs_at, b.arrives_at, b.class_code, b.total_amount, b.currency,
                b.hold_expires_at, b.created_at, b.cancelled_by_setrag_at, b.cancelled_by_setrag_reason,
                (SELECT COUNT(*) FROM booking_passengers p WHERE p.booking_id = b.id) AS passengers
            FROM bookings b WHERE b.owner_id = \(bind: owner)
            ORDER BY b.created_at DESC, b.id DESC LIMIT \(literal: max(1, limit))
            """).all(decoding: SummaryRow.self).map { row in
            BookingSummary(
                pnr: row.pnr, status: BookingStatus(rawValue: row.status) ?? .cancelled,
                journey: Journey(tripID: row.trip_id, trainNumber: row.train_number, service: row.service,
                                 serviceDate: row.service_date,
                                 from: .init(code: row.from_station, name: row.from_name),
                                 to: .init(code: row.to_station, name: row.to_name), departure: row.departs_at,
                                 arrival: row.arrives_at),
                travelClass: row.class_code, passengerCount: row.passengers, total: row.total_amount,
                currency: row.currency, holdExpiresAt: row.hold_expires_at, createdAt: row.created_at,
                operatorCancellation: row.cancelled_by_setrag_at.map {
                    OperatorCancellation(reason: row.cancelled_by_setrag_reason ?? "", at: $0)
                })
        }
    }

    public func transition(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, now: Date) async throws
        -> Bool
    {
        try await Self.transition(db, pnr: pnr, from: from, change, now: now)
    }

    public func confirm(pnr: String, from: Set<BookingStatus>, _ change: StatusChange, tickets: [IssuedTicket],
                        now: Date) async throws -> Bool
    {
        try await db.withTransaction { tx in
            guard try await Self.transition(tx, pnr: pnr, from: from, change, now: now) else { return false }
            try await Self.insertTickets(tx, pnr: pnr, tickets)
            return true
        }
    }

    static func transition(_ db: any MySQLDatabase, pnr: String, from: Set<BookingStatus>, _ change: StatusChange,
                           now: Date) async throws -> Bool
    {
        let states = from.map { $0.rawValue as any Encodable & Sendable }
        guard !states.isEmpty else { return false }
        let result = try await db.exec(SQLQueryString("""
            UPDATE bookings SET status = \(bind: change.to.rawValue),
                refund_amount = COALESCE(\(bind: change.refundAmount), refund_amount),
                paid_at = COALESCE(\(bind: change.paidAt), paid_at),
                cancelled_at = COALESCE(\(bind: change.cancelledAt), cancelled_at),
                updated_at = \(bind: now)
            WHERE pnr = \(bind: pnr) AND status IN (\(binds: states))
            """))
        return result.affectedRows == 1
    }

    public func paymentStarted(pnr: String, payment: String, now: Date) async throws -> Bool {
        try await db.exec(SQLQueryString("""
            UPDATE bookings SET status = 'awaiting_payment', paying_payment = \(bind: payment), updated_at = \(bind: now)
            WHERE pnr = \(bind: pnr) AND status IN ('held', 'awaiting_payment') AND hold_expires_at > \(bind: now)
            """)).affectedRows == 1
    }

    public func paymentEnded(pnr: String, payment: String, now: Date) async throws -> Bool {
        try await db.exec(SQLQueryString("""
            UPDATE bookings SET status = 'held', paying_payment = NULL, updated_at = \(bind: now)
            WHERE pnr = \(bind: pnr) AND status = 'awaiting_payment' AND paying_payment = \(bind: payment)
            """)).affectedRows == 1
    }

    public func expireUnpaid(now: Date, limit: Int) async throws -> Int {
        Int(try await db.exec(SQLQueryString("""
            UPDATE bookings SET status = 'expired', updated_at = \(bind: now)
            WHERE status IN ('held', 'awaiting_payment') AND hold_expires_at <= \(bind: now)
            LIMIT \(literal: max(1, limit))
            """)).affectedRows)
    }
}

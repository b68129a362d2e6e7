import Foundation
import SQLKit
import SetragEvents
import SetragKernel
import SetragMySQL

public enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case airtelMoney = "airtel_money"
    case moovMoney = "moov_money"
    case card
    case cash

    var wallet: Wallet? {
        switch self {
        case .airtelMoney: .airtelMoney
        case .moovMoney: .moovMoney
        case .card, .cash: nil
        }
    }
}

/// A payment's states: initiated → pending → succeeded | failed | expired; unknown when the provider may have acted
/// without telling us (a lost answer): only asking it settles that, never a guess.
public enum PaymentStatus: String, Sendable, Codable {
    case initiated, pending, succeeded, failed, expired, unknown

    /// Still waiting for an outcome.
    public var isOpen: Bool { self == .initiated || self == .pending || self == .unknown }
}

public struct PaymentRecord: Sendable, Equatable {
    public var id: Int
    public var publicID: String
    public var pnr: String
    public var owner: String
    public var method: PaymentMethod
    public var amount: Int
    public var status: PaymentStatus
    public var billID: String?
    public var paymentURL: String?
    public var tillAgent: String?
    public var bookingStatus: String?
    public var detail: String?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct RefundRecord: Sendable, Equatable {
    public var id: Int
    public var paymentID: Int
    public var reference: String
    public var amount: Int
    public var reason: String
    public var status: String
    public var providerID: String?
    /// The booking that owes it (none: a second payment of a paid booking, paid back whole).
    public var owedPNR: String? = nil
    /// Refunds owed in cash: the agent who paid it at a counter, and when.
    public var paidBy: String? = nil
    public var paidAt: Date? = nil
    /// How the payment it comes from was made, and who made it (lists only).
    public var method: PaymentMethod? = nil
    public var owner: String? = nil
    public var createdAt: Date? = nil
}

/// Payments' `RefundPaid` v1: money a booking owed its customer was paid back in full for this refund — to the
/// payer's wallet (`via` wallet) or in cash at a counter (`via` cash). Booking counts it towards the booking's refund.
public struct RefundPaid: DomainEvent, Equatable {
    public static let name = "RefundPaid"
    public static let version = 1
    public let reference: String
    public let pnr: String
    public let amount: Int
    public let currency: String
    public let via: String
    public let paidAt: Date
}

/// Payments' tables. Status changes are conditional updates (`WHERE status IN (...)`): a callback and the
/// reconciler racing for the same payment change it once.
public struct PaymentStore: Sendable {
    let db: any MySQLDatabase
    let crypto: FieldCrypto

    public init(database: any MySQLDatabase, crypto: FieldCrypto) {
        self.db = database
        self.crypto = crypto
    }

    static func payerContext(_ publicID: String) -> String { "payments:\(publicID):payer_msisdn" }

    public func insert(publicID: String, pnr: String, owner: String, method: PaymentMethod, amount: Int,
                       payerE164: String?, tillAgent: String?, now: Date) async throws -> PaymentRecord {
        let sealed = try payerE164.map { try crypto.seal($0, context: Self.payerContext(publicID)) }
        let hash = payerE164.map { crypto.lookupHash($0, purpose: "phone") }
        let id = Int(try await db.exec(SQLQueryString("""
            INSERT INTO payments (public_id, pnr, owner, method, amount, status, payer_msisdn, payer_msisdn_hash,
                till_agent, created_at, updated_at)
            VALUES (\(bind: publicID), \(bind: pnr), \(bind: owner), \(bind: method.rawValue), \(bind: amount),
                'initiated', \(bind: sealed), \(bind: hash), \(bind: tillAgent), \(bind: now), \(bind: now))
            """)).lastInsertID)
        return PaymentRecord(id: id, publicID: publicID, pnr: pnr, owner: owner, method: method, amount: amount,
                             status: .initiated, billID: nil, paymentURL: nil, tillAgent: tillAgent,
                             bookingStatus: nil, detail: nil, createdAt: now, updatedAt: now)
    }

    /// Moves a payment from one of `from` to `to` (with what the step learnt); false when another step got there
    /// first.
    @discardableResult
    public func transition(_ id: Int, from: Set<PaymentStatus>, to: PaymentStatus, billID: String? = nil,
                           paymentURL: String? = nil, bookingStatus: String? = nil, detail: String? = nil,
                           now: Date) async throws -> Bool {
        var states: SQLQueryString = ""
        for (index, state) in from.map(\.rawValue).sorted().enumerated() {
            if index > 0 { states.appendLiteral(", ") }
            states.appendInterpolation(bind: state)
        }
        return try await db.exec(SQLQueryString("""
            UPDATE payments SET status = \(bind: to.rawValue), updated_at = \(bind: now),
                provider_bill_id = COALESCE(\(bind: billID), provider_bill_id),
                payment_url = COALESCE(\(bind: paymentURL), payment_url),
                booking_status = COALESCE(\(bind: bookingStatus), booking_status),
                detail = COALESCE(\(bind: detail), detail)
            WHERE id = \(bind: id) AND status IN (\(states))
            """)).affectedRows == 1
    }

    /// True when `payment` is the one that pays its booking: the first succeeded payment of the PNR takes the row.
    /// A repeat for the same payment is true again.
    public func settles(_ payment: PaymentRecord, now: Date) async throws -> Bool {
        _ = try await db.exec(SQLQueryString("""
            INSERT IGNORE INTO settled_bookings (pnr, payment_id, settled_at)
            VALUES (\(bind: payment.pnr), \(bind: payment.id), \(bind: now))
            """))
        struct Row: Decodable { let payment_id: Int }
        let row = try await db.raw("SELECT payment_id FROM settled_bookings WHERE pnr = \(bind: payment.pnr)")
            .first(decoding: Row.self)
        return row?.payment_id == payment.id
    }

    /// Records what booking answered once a payment succeeded.
    public func setBookingStatus(_ id: Int, _ status: String, now: Date) async throws {
        _ = try await db.exec(SQLQueryString("""
            UPDATE payments SET booking_status = \(bind: status), updated_at = \(bind: now) WHERE id = \(bind: id)
            """))
    }

    struct Row: Decodable {
        let id: Int
        let public_id: String
        let pnr: String
        let owner: String
        let method: String
        let amount: Int
        let status: String
        let provider_bill_id: String?
        let payment_url: String?
        let till_agent: String?
        let booking_status: String?
        let detail: String?
        let created_at: Date
        let updated_at: Date

        var record: PaymentRecord {
            PaymentRecord(id: id, publicID: public_id, pnr: pnr, owner: owner,
                          method: PaymentMethod(rawValue: method) ?? .cash, amount: amount,
                          status: PaymentStatus(rawValue: status) ?? .unknown, billID: provider_bill_id,
                          paymentURL: payment_url, tillAgent: till_agent, bookingStatus: booking_status,
                          detail: detail, createdAt: created_at, updatedAt: updated_at)
        }
    }

    static let columns: SQLQueryString = """
        SELECT id, public_id, pnr, owner, method, amount, status, provider_bill_id, payment_url, till_agent,
            booking_status, detail, created_at, updated_at FROM payments
        """

    public func payment(publicID: String) async throws -> PaymentRecord? {
        try await db.raw("\(Self.columns) WHERE public_id = \(bind: publicID)").first(decoding: Row.self)?.record
    }

    public func payment(billID: String) async throws -> PaymentRecord? {
        try await db.raw("\(Self.columns) WHERE provider_bill_id = \(bind: billID)").first(decoding: Row.self)?.record
    }

    public func payment(id: Int) async throws -> PaymentRecord? {
        try await db.raw("\(Self.columns) WHERE id = \(bind: id)").first(decoding: Row.self)?.record
    }

    /// The payments taken at a counter by `agent` from `from` until `to`, oldest first.
    public func till(agent: String, from: Date, to: Date) async throws -> [PaymentRecord] {
        try await db.raw("""
            \(Self.columns) WHERE till_agent = \(bind: agent) AND created_at >= \(bind: from) AND created_at < \(bind: to)
            ORDER BY created_at, id
            """).all(decoding: Row.self).map(\.record)
    }

    /// Payments of a booking still waiting for an outcome, or already paid.
    public func openOrPaid(pnr: String) async throws -> [PaymentRecord] {
        try await db.raw("""
            \(Self.columns) WHERE pnr = \(bind: pnr) AND status IN ('initiated', 'pending', 'unknown', 'succeeded')
            ORDER BY id
            """).all(decoding: Row.self).map(\.record)
    }

    /// Open payments not heard of for `quietFor`: the reconciler asks the provider about them.
    public func due(quietFor: TimeInterval, now: Date, limit: Int) async throws -> [PaymentRecord] {
        try await db.raw("""
            \(Self.columns) WHERE status IN ('initiated', 'pending', 'unknown')
                AND updated_at <= \(bind: now.addingTimeInterval(-quietFor))
            ORDER BY updated_at LIMIT \(literal: limit)
            """).all(decoding: Row.self).map(\.record)
    }

    /// Succeeded payments booking has not been told of (it could not be reached at the time), quiet for `quietFor`
    /// seconds: one that just succeeded is being reported by the path that settled it.
    public func succeededWithoutBooking(quietFor: TimeInterval, now: Date, limit: Int) async throws -> [PaymentRecord] {
        try await db.raw("""
            \(Self.columns) WHERE status = 'succeeded' AND booking_status IS NULL
                AND updated_at <= \(bind: now.addingTimeInterval(-quietFor))
            ORDER BY id LIMIT \(literal: limit)
            """).all(decoding: Row.self).map(\.record)
    }

    struct PayerRow: Decodable { let payer_msisdn: Data? }

    /// The payer's number, unsealed (to pay a refund back).
    public func payer(of payment: PaymentRecord) async throws -> String? {
        guard let sealed = try await db.raw("SELECT payer_msisdn FROM payments WHERE id = \(bind: payment.id)")
            .first(decoding: PayerRow.self)?.payer_msisdn else { return nil }
        return try crypto.open(sealed, context: Self.payerContext(payment.publicID))
    }

    /// True the first time a provider's callback for this id and state arrives.
    public func firstCallback(providerID: String, state: String, now: Date) async throws -> Bool {
        try await db.exec(SQLQueryString("""
            INSERT IGNORE INTO provider_callbacks (provider_id, state, received_at)
            VALUES (\(bind: providerID), \(bind: state), \(bind: now))
            """)).affectedRows == 1
    }

    // MARK: refunds

    struct RefundRow: Decodable {
        let id: Int
        let payment_id: Int
        let reference: String
        let amount: Int
        let reason: String
        let status: String
        let provider_id: String?
        let owed_pnr: String?
        let paid_by: String?
        let paid_at: Date?
        let created_at: Date

        var record: RefundRecord {
            RefundRecord(id: id, paymentID: payment_id, reference: reference, amount: amount, reason: reason,
                         status: status, providerID: provider_id, owedPNR: owed_pnr, paidBy: paid_by,
                         paidAt: paid_at, createdAt: created_at)
        }
    }

    static let refundColumns: SQLQueryString = """
        SELECT id, payment_id, reference, amount, reason, status, provider_id, owed_pnr, paid_by, paid_at, created_at
        FROM refunds
        """

    /// The refund of `reference`, made once: a second call finds the first.
    public func refund(paymentID: Int, reference: String, amount: Int, reason: String, owedPNR: String?, now: Date)
        async throws -> RefundRecord
    {
        _ = try await db.exec(SQLQueryString("""
            INSERT IGNORE INTO refunds (payment_id, reference, amount, reason, status, owed_pnr, created_at, updated_at)
            VALUES (\(bind: paymentID), \(bind: reference), \(bind: amount), \(bind: reason), 'pending', \(bind: owedPNR),
                \(bind: now), \(bind: now))
            """))
        return try await refund(reference: reference)!
    }

    public func refund(reference: String) async throws -> RefundRecord? {
        try await Self.refund(reference: reference, on: db)
    }

    static func refund(reference: String, on db: any MySQLDatabase) async throws -> RefundRecord? {
        try await db.raw("\(refundColumns) WHERE reference = \(bind: reference)")
            .first(decoding: RefundRow.self)?.record
    }

    public func refunds(paymentID: Int) async throws -> [RefundRecord] {
        try await db.raw("\(Self.refundColumns) WHERE payment_id = \(bind: paymentID) ORDER BY id")
            .all(decoding: RefundRow.self).map(\.record)
    }

    struct MethodRow: Decodable {
        let id: Int
        let method: String
        let owner: String
    }

    /// The refunds a booking owes (or owed), oldest first, with how the payment each comes from was made.
    public func refunds(owedBy pnr: String) async throws -> [RefundRecord] {
        var refunds = try await db.raw("\(Self.refundColumns) WHERE owed_pnr = \(bind: pnr) ORDER BY id")
            .all(decoding: RefundRow.self).map(\.record)
        guard !refunds.isEmpty else { return [] }
        let ids = Set(refunds.map(\.paymentID)).map { $0 as any Encodable & Sendable }
        let payments = try await db.raw("SELECT id, method, owner FROM payments WHERE id IN (\(binds: ids))")
            .all(decoding: MethodRow.self)
        let byID = Dictionary(payments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for index in refunds.indices {
            let payment = byID[refunds[index].paymentID]
            refunds[index].method = payment.flatMap { PaymentMethod(rawValue: $0.method) }
            refunds[index].owner = payment?.owner
        }
        return refunds
    }

    /// The refunds `agent` paid in cash at a counter from `from` until `to`, oldest first.
    public func refundsPaid(by agent: String, from: Date, to: Date) async throws -> [RefundRecord] {
        try await db.raw("""
            \(Self.refundColumns) WHERE paid_by = \(bind: agent) AND paid_at >= \(bind: from) AND paid_at < \(bind: to)
            ORDER BY paid_at, id
            """).all(decoding: RefundRow.self).map(\.record)
    }

    /// Refunds without a final word, quiet for `quietFor`.
    public func openRefunds(quietFor: TimeInterval, now: Date, limit: Int) async throws -> [RefundRecord] {
        try await db.raw("""
            \(Self.refundColumns)
            WHERE status IN ('pending', 'unknown') AND updated_at <= \(bind: now.addingTimeInterval(-quietFor))
            ORDER BY updated_at LIMIT \(literal: limit)
            """).all(decoding: RefundRow.self).map(\.record)
    }

    /// Refunds recorded but never sent to the aggregator (no payout id, never tried), oldest first.
    public func unsentRefunds(limit: Int) async throws -> [RefundRecord] {
        try await db.raw("""
            \(Self.refundColumns) WHERE status = 'pending' AND provider_id IS NULL AND updated_at = created_at
            ORDER BY id LIMIT \(literal: limit)
            """).all(decoding: RefundRow.self).map(\.record)
    }

    /// A refund's new status from the aggregator. The first time it becomes `succeeded`, its `RefundPaid` is written
    /// to payments' outbox in the same transaction (when a booking owes it).
    public func updateRefund(_ id: Int, status: String, providerID: String?, now: Date) async throws {
        try await db.withTransaction { tx in
            let changed = try await tx.exec(SQLQueryString("""
                UPDATE refunds SET status = \(bind: status), provider_id = COALESCE(\(bind: providerID), provider_id),
                    updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status NOT IN ('succeeded', 'failed')
                """)).affectedRows == 1
            guard changed, status == "succeeded",
                  let refund = try await tx.raw("\(Self.refundColumns) WHERE id = \(bind: id)")
                      .first(decoding: RefundRow.self)?.record else { return }
            try await Self.announce(refund, via: "wallet", on: tx, now: now)
        }
    }

    static func payeeContext(_ reference: String) -> String { "payments:refund:\(reference):payee_msisdn" }

    /// A refund owed in cash (`manual`) goes to a wallet its customer chose instead: it becomes `pending` with that
    /// number (sealed), for the aggregator's payouts. Nil when it is not owed in cash (the refund as it is).
    public func sendToWallet(reference: String, payeeE164: String, now: Date) async throws -> RefundRecord? {
        let sealed = try crypto.seal(payeeE164, context: Self.payeeContext(reference))
        _ = try await db.exec(SQLQueryString("""
            UPDATE refunds SET status = 'pending', payee_msisdn = \(bind: sealed), updated_at = \(bind: now)
            WHERE reference = \(bind: reference) AND status = 'manual'
            """))
        return try await refund(reference: reference)
    }

    struct PayeeRow: Decodable { let payee_msisdn: Data? }

    /// The wallet a customer chose for a refund owed in cash, unsealed; nil when none was chosen.
    public func payee(of refund: RefundRecord) async throws -> String? {
        guard let sealed = try await db.raw("SELECT payee_msisdn FROM refunds WHERE id = \(bind: refund.id)")
            .first(decoding: PayeeRow.self)?.payee_msisdn else { return nil }
        return try crypto.open(sealed, context: Self.payeeContext(refund.reference))
    }

    /// The payment a refund comes from, with its owner: who may see the refund and choose where it goes.
    public func owner(of refund: RefundRecord) async throws -> String? {
        try await payment(id: refund.paymentID)?.owner
    }

    /// Outcomes of paying a refund in cash.
    public enum CashRefund: Sendable, Equatable {
        case paid(RefundRecord)
        /// Not owed in cash: already paid, or going to a wallet.
        case notOwedInCash(RefundRecord)
        case notFound
    }

    /// An agent pays a refund owed in cash (`manual`) at a counter: it becomes `succeeded`, recorded against the
    /// agent's till, and its `RefundPaid` goes to the outbox, in one transaction. Only one agent can pay it.
    public func payInCash(reference: String, agent: String, now: Date) async throws -> CashRefund {
        try await db.withTransaction { tx in
            let changed = try await tx.exec(SQLQueryString("""
                UPDATE refunds SET status = 'succeeded', paid_by = \(bind: agent), paid_at = \(bind: now),
                    updated_at = \(bind: now)
                WHERE reference = \(bind: reference) AND status = 'manual'
                """)).affectedRows == 1
            guard let refund = try await Self.refund(reference: reference, on: tx) else { return .notFound }
            guard changed else { return .notOwedInCash(refund) }
            try await Self.announce(refund, via: "cash", on: tx, now: now)
            return .paid(refund)
        }
    }

    static func announce(_ refund: RefundRecord, via: String, on tx: any MySQLDatabase, now: Date) async throws {
        guard let pnr = refund.owedPNR else { return }
        try await Outbox.append(RefundPaid(reference: refund.reference, pnr: pnr, amount: refund.amount,
                                           currency: "XAF", via: via, paidAt: now), on: tx, now: now)
    }
}

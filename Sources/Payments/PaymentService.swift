import Foundation
import Logging
import SetragKernel

/// The body of `POST /api/v1/payments`.
public struct PaymentRequest: JSONRequestBody {
    public static let fields: Set<String> = ["pnr", "method", "msisdn"]
    public var pnr: String
    public var method: String
    /// The payer's mobile number (mobile money: the wallet pushed to; card: the aggregator's contact number).
    public var msisdn: String?
}

/// Paying for bookings through the aggregator (mobile money, card) or at a counter (cash), and paying back.
public struct PaymentService: Sendable {
    let store: PaymentStore
    let provider: EBillingClient
    let bookings: any BookingLink
    let logger: Logger
    /// Where the aggregator's hosted page sends the payer back (the web app's booking page).
    let publicURL: String
    /// Minutes a bill stays payable.
    let billMinutes: Int

    public init(store: PaymentStore, provider: EBillingClient, bookings: any BookingLink, logger: Logger,
                publicURL: String, billMinutes: Int = 15) {
        self.store = store
        self.provider = provider
        self.bookings = bookings
        self.logger = logger
        self.publicURL = publicURL
        self.billMinutes = billMinutes
    }

    static let pnrAlphabet = Set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    /// Booking states that take a payment: seats held (`held`), or a payment under way (`awaiting_payment`).
    static let payable: Set<String> = ["held", "awaiting_payment"]

    /// Starts paying a booking. Cash (a counter agent) succeeds at once; mobile money pushes a PIN request to the
    /// payer's phone; a card payment answers the aggregator's hosted page to send the payer to.
    public func start(_ request: PaymentRequest, caller: Principal, authorization: String, now: Date) async throws
        -> PaymentRecord
    {
        var errors: [Problem.FieldError] = []
        let pnr = request.pnr.uppercased()
        if pnr.count != 6 || !pnr.allSatisfy(Self.pnrAlphabet.contains) {
            errors.append(.init(field: "pnr", code: "invalid", message: "a 6-character booking reference"))
        }
        let method = PaymentMethod(rawValue: request.method)
        if method == nil {
            errors.append(.init(field: "method", code: "invalid",
                                message: "one of " + PaymentMethod.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        var payer: String?
        if method != .cash {
            if let raw = request.msisdn, let e164 = GabonesePhone.mobileE164(raw) {
                payer = e164
                if let wallet = method?.wallet, Wallet(e164: e164) != wallet {
                    errors.append(.init(field: "msisdn", code: "wrong-operator",
                                        message: "this number has no \(wallet == .airtelMoney ? "Airtel" : "Moov") Money wallet"))
                }
            } else {
                errors.append(.init(field: "msisdn", code: request.msisdn == nil ? "required" : "invalid",
                                    message: "a Gabonese mobile number"))
            }
        }
        guard errors.isEmpty, let method else { throw PaymentsError.invalid(errors) }
        if method == .cash, !caller.has(.counterSell) {
            throw ProblemError.forbidden("Cash is taken at a counter (permission \(Permission.counterSell.rawValue))")
        }

        let booking = try await bookings.booking(pnr: pnr, authorization: authorization)
        guard Self.payable.contains(booking.status) else { throw PaymentsError.bookingNotPayable(booking.status) }
        for earlier in try await store.openOrPaid(pnr: pnr) {
            if earlier.status == .succeeded { throw PaymentsError.bookingNotPayable("paid") }
            throw PaymentsError.paymentInProgress(earlier.publicID)
        }

        var payment = try await store.insert(
            publicID: "pay_" + crockfordBase32(randomBytes(12), uppercase: false), pnr: pnr, owner: caller.subject, method: method,
            amount: booking.payable, payerE164: payer, tillAgent: method == .cash ? caller.subject : nil, now: now)
        if method == .cash {
            try await store.transition(payment.id, from: [.initiated], to: .succeeded, detail: "cash at a counter",
                                       now: now)
            payment.status = .succeeded
            return try await afterSuccess(payment, now: now)
        }

        // Booking learns that a payment is under way (held → awaiting_payment); a hold that ran out meanwhile
        // stops it before anything is asked of the payer.
        do {
            let told = try await bookings.paying(pnr: pnr, payment: payment.publicID)
            guard Self.payable.contains(told.status) else {
                try await store.transition(payment.id, from: [.initiated], to: .failed,
                                           detail: "booking \(told.status)", now: now)
                throw PaymentsError.bookingNotPayable(told.status)
            }
        } catch PaymentsError.bookingUnavailable {
            try await store.transition(payment.id, from: [.initiated], to: .failed, detail: "booking unreachable",
                                       now: now)
            throw PaymentsError.bookingUnavailable
        }

        let national = Wallet.national(e164: payer!)!
        let bill: EBill
        do throws(EBillingCallError) {
            bill = try await provider.createBill(EBillingClient.NewBill(
                payerMSISDN: national, amount: booking.payable, shortDescription: "SETRAG billet \(pnr)",
                externalReference: payment.publicID, expiryMinutes: billMinutes,
                returnURL: "\(publicURL)/bookings/\(pnr)?payment=\(payment.publicID)"))
        } catch {
            return try await stopped(payment, by: error, stage: "bill", now: now)
        }
        try await store.transition(payment.id, from: [.initiated], to: .pending, billID: bill.billID,
                                   paymentURL: bill.paymentURL, now: now)
        payment.status = .pending
        payment.billID = bill.billID
        payment.paymentURL = bill.paymentURL
        if let wallet = method.wallet {
            do throws(EBillingCallError) {
                try await provider.pushUSSD(billID: bill.billID, wallet: wallet, payerMSISDN: national)
            } catch {
                return try await stopped(payment, by: error, stage: "push", now: now)
            }
        }
        return payment
    }

    /// A provider call that did not go through: refused or unreachable means nothing happened (failed); a lost
    /// answer means it may have (unknown, for the reconciler).
    func stopped(_ payment: PaymentRecord, by error: EBillingCallError, stage: String, now: Date) async throws
        -> PaymentRecord
    {
        var payment = payment
        switch error {
        case .refused(let status, let detail):
            logger.warning("payment refused by the provider",
                           metadata: ["payment": "\(payment.publicID)", "stage": "\(stage)", "status": "\(status)",
                                      "detail": "\(detail)"])
            if try await store.transition(payment.id, from: [.initiated, .pending], to: .failed,
                                          detail: "refused by the provider (\(stage))", now: now) {
                await tellUnpaid(payment)
            }
            payment.status = .failed
        case .unreachable:
            if try await store.transition(payment.id, from: [.initiated, .pending], to: .failed,
                                          detail: "provider unreachable (\(stage))", now: now) {
                await tellUnpaid(payment)
            }
            throw PaymentsError.providerUnavailable
        case .outcomeUnknown:
            try await store.transition(payment.id, from: [.initiated, .pending], to: .unknown,
                                       detail: "no answer from the provider (\(stage))", now: now)
            payment.status = .unknown
        }
        return payment
    }

    /// What a bill's state means for its payment; applied once whatever tells it (callback or status query).
    func settle(_ payment: PaymentRecord, bill state: EBill.State, now: Date) async throws {
        if state.isPaid {
            guard try await store.transition(payment.id, from: [.initiated, .pending, .unknown, .failed, .expired],
                                             to: .succeeded, now: now) else { return }
            var paid = payment
            paid.status = .succeeded
            _ = try await afterSuccess(paid, now: now)
        } else if state.isFailed {
            if try await store.transition(payment.id, from: [.initiated, .pending, .unknown],
                                          to: state == .expired ? .expired : .failed,
                                          detail: "bill \(state.rawValue)", now: now) {
                await tellUnpaid(payment)
            }
        }
    }

    /// Tells booking that a payment ended without paying, so that the booking shows its seats held and takes another
    /// payment. Best effort: a booking left `awaiting_payment` takes a payment all the same and expires with its hold.
    func tellUnpaid(_ payment: PaymentRecord) async {
        do {
            try await bookings.unpaid(pnr: payment.pnr, payment: payment.publicID)
        } catch {
            logger.info("booking not told of an unpaid payment", metadata: ["payment": "\(payment.publicID)",
                                                                          "error": "\(error)"])
        }
    }

    /// Tells booking; a booking whose seats were gone meanwhile is owed back in full, and refunded at once. A
    /// second payment of a booking already paid is refunded in full without telling booking.
    func afterSuccess(_ payment: PaymentRecord, now: Date) async throws -> PaymentRecord {
        var payment = payment
        guard try await store.settles(payment, now: now) else {
            logger.warning("a second payment of a paid booking; refunding it", metadata: ["payment": "\(payment.publicID)"])
            try await store.setBookingStatus(payment.id, "already_paid", now: now)
            payment.bookingStatus = "already_paid"
            _ = try await refund(payment, amount: payment.amount, reason: "duplicate", owedPNR: nil, now: now)
            return payment
        }
        do {
            let booking = try await bookings.paid(pnr: payment.pnr)
            try await store.setBookingStatus(payment.id, booking.status, now: now)
            payment.bookingStatus = booking.status
            if booking.status == "refund_due" {
                _ = try await refund(payment, amount: booking.refundAmount ?? payment.amount, reason: "seats-gone",
                                     owedPNR: payment.pnr, now: now)
            }
        } catch PaymentsError.bookingUnavailable {
            // The reconciler tells booking later (succeeded payments without booking status).
            logger.warning("booking not told of a payment yet", metadata: ["payment": "\(payment.publicID)"])
        }
        return payment
    }

    /// Pays `amount` back: to the payer's wallet through the aggregator (mobile money), or by hand (cash at a
    /// counter, cards: the aggregator's card refunds are not in its API) — recorded as `manual`.
    public func refund(_ payment: PaymentRecord, amount: Int, reason: String, reference: String? = nil,
                       owedPNR: String?, now: Date) async throws -> RefundRecord
    {
        var refund = try await store.refund(paymentID: payment.id,
                                            reference: reference ?? "RFD-\(payment.publicID)-\(reason)",
                                            amount: amount, reason: reason, owedPNR: owedPNR, now: now)
        guard refund.status == "pending" || refund.status == "unknown" else { return refund }
        // To the wallet the customer chose for a refund owed in cash, else to the one that paid.
        var target = try await store.payee(of: refund)
        if target == nil, payment.method.wallet != nil { target = try await store.payer(of: payment) }
        guard let target, let wallet = Wallet(e164: target), let national = Wallet.national(e164: target) else {
            try await store.updateRefund(refund.id, status: "manual", providerID: nil, now: now)
            refund.status = "manual"
            return refund
        }
        let payout: EDisbursement
        do throws(EBillingCallError) {
            payout = try await provider.disburse(to: national, wallet: wallet, amount: amount,
                                                 reference: refund.reference)
        } catch {
            // Tried again by the reconciler; the reference makes a repeat pay once.
            try await store.updateRefund(refund.id, status: "unknown", providerID: nil, now: now)
            refund.status = "unknown"
            return refund
        }
        let status = Self.refundStatus(payout.state)
        try await store.updateRefund(refund.id, status: status, providerID: payout.disbursementID, now: now)
        refund.status = status
        refund.providerID = payout.disbursementID
        return refund
    }

    /// The customer of a refund owed in cash (a card payment's, or a payout the wallet refused) has it paid to a
    /// mobile-money wallet of theirs instead, through the aggregator's payouts. The refund's payer (or a counter
    /// agent for them) only.
    public func sendToWallet(reference: String, msisdn: String?, caller: Principal, now: Date) async throws
        -> RefundRecord
    {
        guard (1...40).contains(reference.utf8.count), let refund = try await store.refund(reference: reference),
              let payment = try await store.payment(id: refund.paymentID),
              payment.owner == caller.subject || caller.has(.counterSell) else { throw PaymentsError.refundNotFound }
        guard let msisdn, let e164 = GabonesePhone.mobileE164(msisdn), Wallet(e164: e164) != nil else {
            throw PaymentsError.invalid([.init(field: "msisdn", code: msisdn == nil ? "required" : "invalid",
                                               message: "an Airtel Money or Moov Money number")])
        }
        guard let moved = try await store.sendToWallet(reference: reference, payeeE164: e164, now: now),
              moved.status == "pending" else { throw PaymentsError.refundNotOwedInCash(refund.status) }
        // Sent at once; an unanswered payout is asked about by the reconciler, and the reference pays once.
        return try await self.refund(payment, amount: moved.amount, reason: moved.reason, reference: moved.reference,
                                     owedPNR: moved.owedPNR, now: now)
    }

    /// A refund's status from its payout's: a payout the wallet refused (closed account, limit reached) leaves the
    /// money owed, so the refund becomes `manual` — paid at a counter — never a silent `failed`.
    static func refundStatus(_ state: EDisbursement.State) -> String {
        switch state {
        case .processing: "pending"
        case .succeeded: "succeeded"
        case .failed: "manual"
        }
    }

    /// A verified callback, applied once.
    public func handle(_ callback: EBillingCallback, now: Date) async throws {
        switch callback {
        case .bill(let billID, _, let state, let amount, _):
            guard try await store.firstCallback(providerID: billID, state: state.rawValue, now: now) else { return }
            guard let payment = try await store.payment(billID: billID) else {
                logger.warning("callback for an unknown bill", metadata: ["bill": "\(billID)"])
                return
            }
            guard amount == payment.amount else {
                logger.error("callback amount differs from the payment's",
                             metadata: ["payment": "\(payment.publicID)", "amount": "\(amount)"])
                return
            }
            try await settle(payment, bill: state, now: now)
        case .disbursement(let id, let reference, let state, _):
            guard try await store.firstCallback(providerID: id, state: state.rawValue, now: now),
                  let refund = try await store.refund(reference: reference), state != .processing else { return }
            try await store.updateRefund(refund.id, status: Self.refundStatus(state), providerID: id, now: now)
        }
    }

    /// Asks the provider about payments and refunds it has not told us about; tells booking of successes it missed.
    /// Returns the number of payments looked at.
    public func reconcile(now: Date, quietFor: TimeInterval = 30) async throws -> Int {
        let due = try await store.due(quietFor: quietFor, now: now, limit: 100)
        for payment in due {
            guard let billID = payment.billID else {
                // No bill was confirmed, so nothing was asked of the payer and nothing can be paid.
                if now.timeIntervalSince(payment.createdAt) > 120 {
                    if try await store.transition(payment.id, from: [.initiated, .unknown], to: .failed,
                                                  detail: "the bill was never confirmed", now: now) {
                        await tellUnpaid(payment)
                    }
                }
                continue
            }
            let bill: EBill
            do throws(EBillingCallError) {
                bill = try await provider.bill(id: billID)
            } catch {
                logger.info("reconciliation postponed", metadata: ["payment": "\(payment.publicID)", "error": "\(error)"])
                continue
            }
            try await settle(payment, bill: bill.state, now: now)
        }
        for payment in try await store.succeededWithoutBooking(quietFor: quietFor, now: now, limit: 100) {
            _ = try await afterSuccess(payment, now: now)
        }
        for refund in try await store.openRefunds(quietFor: quietFor, now: now, limit: 100) {
            guard let payment = try await store.payment(id: refund.paymentID) else { continue }
            if let providerID = refund.providerID {
                if let payout = try? await provider.disbursement(id: providerID), payout.state != .processing {
                    try await store.updateRefund(refund.id, status: Self.refundStatus(payout.state),
                                                 providerID: providerID, now: now)
                }
            } else {
                _ = try await self.refund(payment, amount: refund.amount, reason: refund.reason,
                                          reference: refund.reference, owedPNR: refund.owedPNR, now: now)
            }
        }
        return due.count
    }

    /// Pays back the refunds recorded but not yet sent to the aggregator (those booking's `BookingRefundDue`
    /// recorded); returns how many were sent. The reference makes a repeat pay once.
    @discardableResult
    public func sendRecordedRefunds(now: Date, limit: Int = 100) async throws -> Int {
        let unsent = try await store.unsentRefunds(limit: limit)
        for refund in unsent {
            guard let payment = try await store.payment(id: refund.paymentID) else { continue }
            _ = try await self.refund(payment, amount: refund.amount, reason: refund.reason,
                                      reference: refund.reference, owedPNR: refund.owedPNR, now: now)
        }
        return unsent.count
    }

    /// Who may see a payment: its owner, or staff.
    public static func maySee(_ payment: PaymentRecord, _ caller: Principal) -> Bool {
        payment.owner == caller.subject || caller.has(.counterSell) || caller.has(.operationsManage)
            || caller.has(.auditRead)
    }
}

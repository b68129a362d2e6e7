import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The state of a simulated E-Billing (Digitech) merchant account, in memory: bills, USSD pushes, payouts, the
/// scenarios tests choose per phone number, and the timers that make simulated payers answer and bills expire.
///
/// What a payer does after a USSD push is the scenario of the push's number (else the default, `success`):
///
/// | outcome                | after `confirm_after_ms` (default)  | bill      | callbacks, after `callback_after_ms`  |
/// |------------------------|-------------------------------------|-----------|---------------------------------------|
/// | `success`              | PIN (300 ms)                        | paid      | one                                   |
/// | `decline`              | refuses (300 ms)                    | cancelled | one, state cancelled                  |
/// | `timeout_then_success` | PIN, late (1000 ms)                 | paid      | one                                   |
/// | `timeout_then_failure` | never; the push times out (1000 ms) | expired   | one, state expired                    |
/// | `duplicate_callback`   | PIN (300 ms)                        | paid      | two at once, a third `repeat_after_ms`|
/// |                        |                                     |           | (300 ms) later                        |
/// | `late_callback`        | PIN (300 ms)                        | paid      | one, after `callback_after_ms` (1000) |
/// | `lost_answer`          | PIN (300 ms); the push is answered  | paid      | none                                  |
/// |                        | 502 although it reached the payer   |           |                                       |
///
/// `callback_after_ms` defaults to 0 except for `late_callback`. A payout follows its payee's scenario the same
/// way (`succeeded`, or `failed` for decline and timeout_then_failure). A bill that reaches its expiry (its
/// `expiry_period`, or the payer's scenario's `expire_after_ms`) while `ready` becomes `expired` with one failure
/// callback. On the hosted page the payer's button decides; only the callback timing of `duplicate_callback` and
/// `late_callback` applies there.
public actor EBillingSimulator {
    enum Subject: Sendable {
        case bill(String)
        case disbursement(String)
    }

    let configuration: EBillingConfiguration
    let sender: CallbackSender
    let logger: Logger
    private(set) var baseURL: String
    private var bills: [String: Bill] = [:]
    private var billOrder: [String] = []
    private var disbursements: [String: Disbursement] = [:]
    private var disbursementOrder: [String] = []
    private var disbursementByReference: [String: String] = [:]
    /// By subscriber number (the 8 digits), so that `074123456` and `24174123456` share one.
    private var scenarios: [String: Scenario] = [:]
    private var defaultScenario = Scenario.standard
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextTimer = 0

    public init(configuration: EBillingConfiguration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        sender = CallbackSender(
            url: configuration.callbackURL, signer: CallbackSigner(secret: configuration.callbackSecret),
            client: httpClient, retryDelays: configuration.callbackRetryDelays,
            timeout: .nanoseconds(Int64(configuration.callbackTimeout.components.seconds) * 1_000_000_000
                + configuration.callbackTimeout.components.attoseconds / 1_000_000_000),
            logger: logger)
        baseURL = configuration.publicURL ?? Self.url(host: configuration.host, port: configuration.port)
    }

    static func url(host: String, port: Int) -> String {
        let reachable = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)"
    }

    /// Called once the server listens: hosted-page addresses use the port it got.
    public func serverStarted(port: Int) {
        if configuration.publicURL == nil { baseURL = Self.url(host: configuration.host, port: port) }
    }

    /// Stops every timer and pending callback.
    public func shutdown() {
        for timer in timers.values { timer.cancel() }
        timers = [:]
    }

    // MARK: Bills

    func createBill(_ new: NewBill) -> BillView {
        let now = Date()
        let lifetimeMS = scenario(for: new.payer).expireAfterMS ?? new.expiryPeriod * 60_000
        let id = newID(digits: 10) { bills[$0] != nil }
        let bill = Bill(
            id: id, payerMsisdn: new.payerMsisdn, payer: new.payer, payerEmail: new.payerEmail,
            payerName: new.payerName, amount: new.amount, shortDescription: new.shortDescription,
            externalReference: new.externalReference, expiryPeriod: new.expiryPeriod, returnURL: new.returnURL,
            createdAt: now, updatedAt: now, expiresAt: now.addingTimeInterval(Double(lifetimeMS) / 1000))
        bills[id] = bill
        billOrder.append(id)
        later(.milliseconds(lifetimeMS)) { $0.expire(billID: id) }
        return BillView(bill, baseURL: baseURL, debug: false)
    }

    func bill(_ id: String, debug: Bool = false) throws(EBillingError) -> BillView {
        expireIfOverdue(id)
        guard let bill = bills[id] else { throw .billNotFound }
        return BillView(bill, baseURL: baseURL, debug: debug)
    }

    /// The bill itself, for the hosted page.
    func storedBill(_ id: String) -> Bill? {
        expireIfOverdue(id)
        return bills[id]
    }

    /// Sends a USSD push: the payer answers after the scenario's delay. Returns the payer's outcome (the route
    /// loses its answer for `lost_answer`).
    @discardableResult
    func push(billID: String, system: PaymentSystem, payer: GabonMobileNumber, msisdn: String) throws(EBillingError)
        -> Outcome
    {
        expireIfOverdue(billID)
        guard var bill = bills[billID] else { throw .billNotFound }
        guard bill.state == .ready else { throw .billClosed(bill.state) }
        guard bill.pendingPush == nil else { throw .pushPending }
        let scenario = scenario(for: payer)
        bill.pendingPush = msisdn
        bill.paymentSystem = system
        bill.outcome = scenario.outcome
        bill.updatedAt = Date()
        bills[billID] = bill
        later(scenario.confirmAfter) { $0.payerAnswered(billID: billID, scenario: scenario) }
        return scenario.outcome
    }

    private func payerAnswered(billID: String, scenario: Scenario) {
        guard var bill = bills[billID], bill.state == .ready, bill.pendingPush != nil,
              let system = bill.paymentSystem else { return }
        let now = Date()
        bill.pendingPush = nil
        bill.updatedAt = now
        switch scenario.outcome {
        case .decline:
            bill.state = .cancelled
        case .timeoutThenFailure:
            bill.state = .expired
            bill.expiresAt = min(bill.expiresAt, now)
        case .success, .timeoutThenSuccess, .duplicateCallback, .lateCallback, .lostAnswer:
            bill.state = .paid
            bill.paidAt = now
            bill.transactionID = transactionID(system)
        }
        bills[billID] = bill
        // The aggregator that lost its answer to the push does not call back either.
        if scenario.outcome != .lostAnswer {
            sendCallbacks(.bill(billID), body: CallbackBody.bill(bill), scenario: scenario)
        }
    }

    /// The payer pressed "Pay" on the hosted page.
    func payOnPage(billID: String, system: PaymentSystem) throws(EBillingError) -> Bill {
        expireIfOverdue(billID)
        guard var bill = bills[billID] else { throw .billNotFound }
        guard bill.state == .ready else { throw .billClosed(bill.state) }
        let scenario = scenario(for: bill.payer)
        let delivery = [.duplicateCallback, .lateCallback].contains(scenario.outcome) ? scenario : .standard
        let now = Date()
        bill.pendingPush = nil
        bill.state = .paid
        bill.paymentSystem = system
        bill.paidAt = now
        bill.transactionID = transactionID(system)
        bill.outcome = delivery.outcome
        bill.updatedAt = now
        bills[billID] = bill
        sendCallbacks(.bill(billID), body: CallbackBody.bill(bill), scenario: delivery)
        return bill
    }

    /// The payer pressed "Decline" on the hosted page.
    func declineOnPage(billID: String) throws(EBillingError) -> Bill {
        expireIfOverdue(billID)
        guard var bill = bills[billID] else { throw .billNotFound }
        guard bill.state == .ready else { throw .billClosed(bill.state) }
        bill.pendingPush = nil
        bill.state = .cancelled
        bill.outcome = .decline
        bill.updatedAt = Date()
        bills[billID] = bill
        sendCallbacks(.bill(billID), body: CallbackBody.bill(bill), scenario: nil)
        return bill
    }

    /// Expires a `ready` bill now (`POST /_sim/bills/{id}/expire`).
    func forceExpire(billID: String) throws(EBillingError) -> BillView {
        guard bills[billID] != nil else { throw .billNotFound }
        expire(billID: billID)
        return try bill(billID, debug: true)
    }

    private func expireIfOverdue(_ id: String) {
        if let bill = bills[id], bill.state == .ready, bill.expiresAt <= Date() { expire(billID: id) }
    }

    private func expire(billID: String) {
        guard var bill = bills[billID], bill.state == .ready else { return }
        let now = Date()
        bill.state = .expired
        bill.pendingPush = nil
        bill.expiresAt = min(bill.expiresAt, now)
        bill.updatedAt = now
        bills[billID] = bill
        sendCallbacks(.bill(billID), body: CallbackBody.bill(bill), scenario: nil)
    }

    // MARK: Payouts

    /// A new payout, or the same one again when its external reference and details repeat an earlier one.
    func createDisbursement(_ new: NewDisbursement) throws(EBillingError) -> (DisbursementView, created: Bool) {
        if let existingID = disbursementByReference[new.externalReference], let existing = disbursements[existingID] {
            guard existing.payee == new.payee, existing.amount == new.amount,
                  existing.paymentSystem == new.paymentSystem
            else { throw .referenceReused(disbursementID: existingID) }
            return (DisbursementView(existing, debug: false), false)
        }
        let now = Date()
        let scenario = scenario(for: new.payee)
        let id = "DSB" + newID(digits: 9) { disbursements["DSB" + $0] != nil }
        let payout = Disbursement(
            id: id, payeeMsisdn: new.payeeMsisdn, payee: new.payee, amount: new.amount,
            externalReference: new.externalReference, paymentSystem: new.paymentSystem, createdAt: now,
            updatedAt: now, outcome: scenario.outcome)
        disbursements[id] = payout
        disbursementOrder.append(id)
        disbursementByReference[new.externalReference] = id
        later(scenario.confirmAfter) { $0.settle(disbursementID: id, scenario: scenario) }
        return (DisbursementView(payout, debug: false), true)
    }

    func disbursement(_ id: String, debug: Bool = false) throws(EBillingError) -> DisbursementView {
        guard let payout = disbursements[id] else { throw .disbursementNotFound }
        return DisbursementView(payout, debug: debug)
    }

    private func settle(disbursementID: String, scenario: Scenario) {
        guard var payout = disbursements[disbursementID], payout.state == .processing else { return }
        let now = Date()
        if scenario.outcome.succeeds {
            payout.state = .succeeded
            payout.transactionID = transactionID(payout.paymentSystem)
        } else {
            payout.state = .failed
        }
        payout.processedAt = now
        payout.updatedAt = now
        disbursements[disbursementID] = payout
        sendCallbacks(.disbursement(disbursementID), body: CallbackBody.disbursement(payout), scenario: scenario)
    }

    // MARK: Scenarios and the control API

    func scenario(for number: GabonMobileNumber) -> Scenario {
        scenarios[number.subscriber] ?? defaultScenario
    }

    /// Sets the scenario of one number, or the default of every other number when `number` is nil.
    func setScenario(_ scenario: Scenario, for number: GabonMobileNumber?) -> ScenarioView {
        if let number {
            scenarios[number.subscriber] = scenario
            return ScenarioView(msisdn: number.national, scenario)
        }
        defaultScenario = scenario
        return ScenarioView(msisdn: "default", scenario)
    }

    func removeScenario(for number: GabonMobileNumber?) {
        if let number { scenarios[number.subscriber] = nil } else { defaultScenario = .standard }
    }

    func scenarioViews() -> [ScenarioView] {
        [ScenarioView(msisdn: "default", defaultScenario)]
            + scenarios.sorted { $0.key < $1.key }.map { ScenarioView(msisdn: "0" + $0.key, $0.value) }
    }

    func billViews() -> [BillView] {
        billOrder.forEach(expireIfOverdue)
        return billOrder.compactMap { bills[$0] }.map { BillView($0, baseURL: baseURL, debug: true) }
    }

    func disbursementViews() -> [DisbursementView] {
        disbursementOrder.compactMap { disbursements[$0] }.map { DisbursementView($0, debug: true) }
    }

    /// Forgets everything and stops every timer and pending callback.
    func reset() {
        shutdown()
        bills = [:]
        billOrder = []
        disbursements = [:]
        disbursementOrder = []
        disbursementByReference = [:]
        scenarios = [:]
        defaultScenario = .standard
    }

    // MARK: Callbacks and timers

    /// Schedules the callbacks of a state change: one, or for `duplicate_callback` two at once and a third later.
    private func sendCallbacks(_ subject: Subject, body: [UInt8], scenario: Scenario?) {
        let first = scenario?.callbackAfter ?? .zero
        var copies: [(copy: Int, delay: Duration)] = [(1, first)]
        if let scenario, scenario.outcome == .duplicateCallback {
            copies += [(2, first), (3, first + scenario.repeatAfter)]
        }
        for (copy, delay) in copies {
            later(delay) { await $0.deliver(subject, body: body, copy: copy) }
        }
    }

    private func deliver(_ subject: Subject, body: [UInt8], copy: Int) async {
        await sender.deliver(body) { attempt, status, error in
            await self.record(subject, DeliveryAttempt(copy: copy, attempt: attempt, at: Date(), status: status,
                                                       error: error))
        }
    }

    private func record(_ subject: Subject, _ attempt: DeliveryAttempt) {
        switch subject {
        case .bill(let id): bills[id]?.callbacks.append(attempt)
        case .disbursement(let id): disbursements[id]?.callbacks.append(attempt)
        }
    }

    /// Runs `work` after `delay`, unless `shutdown` or `reset` comes first.
    private func later(_ delay: Duration, _ work: @escaping @Sendable (isolated EBillingSimulator) async -> Void) {
        let id = nextTimer
        nextTimer += 1
        timers[id] = Task { [weak self] in
            if delay > .zero { try? await Task.sleep(for: delay) }
            guard !Task.isCancelled, let self else { return }
            await self.run(timer: id, work)
        }
    }

    private func run(timer id: Int, _ work: @Sendable (isolated EBillingSimulator) async -> Void) async {
        guard timers[id] != nil else { return }
        await work(self)
        timers[id] = nil
    }

    private func newID(digits: Int, taken: (String) -> Bool) -> String {
        while true {
            var text = String(Int.random(in: 1...9))
            for _ in 1..<digits { text += String(Int.random(in: 0...9)) }
            if !taken(text) { return text }
        }
    }

    private func transactionID(_ system: PaymentSystem) -> String {
        system.transactionPrefix + (0..<12).map { _ in String(Int.random(in: 0...9)) }.joined()
    }
}

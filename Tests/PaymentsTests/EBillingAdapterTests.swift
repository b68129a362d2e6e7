import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PaymentsSimulator
import Synchronization
import Testing

@testable import Payments

/// The E-Billing adapter's wire format, against the aggregator's simulator on a loopback port; the simulator's
/// callbacks reach a receiver that checks them with the adapter's own verification.
@Suite("E-Billing adapter against the simulator")
struct EBillingAdapterTests {
    /// Records the callbacks the simulator sends, as the payments service's endpoint would receive them.
    final class Receiver: Sendable {
        struct Delivery: Sendable {
            let body: [UInt8]
            let timestamp: String?
            let signature: String?
        }

        let deliveries = Mutex<[Delivery]>([])

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/callbacks") { request, _ in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 16)
                self.deliveries.withLock {
                    $0.append(Delivery(body: Array(body.readableBytesView),
                                       timestamp: request.headers[HTTPField.Name("X-Ebilling-Timestamp")!],
                                       signature: request.headers[HTTPField.Name("X-Ebilling-Signature")!]))
                }
                return Response(status: .ok)
            }
            return router
        }

        func wait(for count: Int, timeout: Duration = .seconds(5)) async throws -> [Delivery] {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let found = deliveries.withLock { $0 }
                if found.count >= count { return found }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("expected \(count) callbacks")
            return deliveries.withLock { $0 }
        }
    }

    struct Harness: Sendable {
        let adapter: EBillingClient
        let receiver: Receiver
        let secret: String
        let simulatorURL: String
        let control: any TestClientProtocol

        /// Chooses what happens to the next pushes for `msisdn` (the simulator's test control).
        func scenario(_ msisdn: String, _ outcome: String, extra: [String: Int] = [:]) async throws {
            var body: [String: Any] = ["outcome": outcome]
            for (key, value) in extra { body[key] = value }
            let response = try await control.execute(
                uri: "/_sim/scenarios/\(msisdn)", method: .put, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            #expect(response.status == .ok)
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "ebilling-adapter-test")
        logger.logLevel = .critical
        return logger
    }()

    static func run(username: String = "setrag", wrongKey: Bool = false,
                    _ test: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let receiver = Receiver()
        let secret = "callback-secret-" + UUID().uuidString
        let key = "shared-key-" + UUID().uuidString
        let receiverApp = Application(router: receiver.router(),
                                      configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await receiverApp.test(.live) { receiverClient in
            let receiverPort = try #require(receiverClient.port)
            let configuration = EBillingConfiguration(
                username: "setrag", sharedKey: key, callbackSecret: secret,
                callbackURL: "http://127.0.0.1:\(receiverPort)/callbacks",
                callbackRetryDelays: [.milliseconds(50)], callbackTimeout: .seconds(2))
            let (simulator, _) = EBillingServer.build(configuration: configuration, logger: logger)
            try await simulator.test(.live) { control in
                let url = "http://127.0.0.1:\(try #require(control.port))"
                let adapter = EBillingClient(baseURL: url, username: username,
                                             sharedKey: wrongKey ? "not-the-key" : key, http: .shared)
                try await test(Harness(adapter: adapter, receiver: receiver, secret: secret, simulatorURL: url,
                                       control: control))
            }
        }
    }

    static func newBill(_ msisdn: String = "074123456", amount: Int = 47_000, reference: String = "PNR7KQ2")
        -> EBillingClient.NewBill
    {
        EBillingClient.NewBill(payerMSISDN: msisdn, amount: amount, shortDescription: "Billet SETRAG \(reference)",
                               externalReference: reference, expiryMinutes: 15)
    }

    @Test("a bill, a push to an Airtel wallet, a signed callback that verifies, and the bill paid")
    func pushSuccess() async throws {
        try await Self.run { h in
            let bill = try await h.adapter.createBill(Self.newBill())
            #expect(bill.state == .ready && bill.amount == 47_000 && bill.externalReference == "PNR7KQ2")
            #expect(bill.billID.count == 10 && bill.paymentURL?.contains("/pay/\(bill.billID)") == true)
            let wallet = try #require(Wallet(e164: "+24174123456"))
            #expect(wallet == .airtelMoney)
            try await h.adapter.pushUSSD(billID: bill.billID, wallet: wallet, payerMSISDN: "074123456")
            let delivery = try #require(try await h.receiver.wait(for: 1).first)
            let callback = try EBillingCallback.verify(body: delivery.body, timestamp: delivery.timestamp,
                                                       signature: delivery.signature, secret: h.secret, now: Date())
            guard case .bill(let id, let reference, let state, let amount, let transaction) = callback else {
                Issue.record("not a bill callback: \(callback)")
                return
            }
            #expect(id == bill.billID && reference == "PNR7KQ2" && state.isPaid && amount == 47_000)
            #expect(transaction != nil)
            let status = try await h.adapter.bill(id: bill.billID)
            #expect(status.state.isPaid && status.paymentSystemName == "airtelmoney")
        }
    }

    @Test("a payer who declines: the bill is cancelled and the callback says so")
    func decline() async throws {
        try await Self.run { h in
            try await h.scenario("065000111", "decline", extra: ["confirm_after_ms": 50])
            let bill = try await h.adapter.createBill(Self.newBill("065000111"))
            try await h.adapter.pushUSSD(billID: bill.billID, wallet: .moovMoney, payerMSISDN: "065000111")
            let delivery = try #require(try await h.receiver.wait(for: 1).first)
            let callback = try EBillingCallback.verify(body: delivery.body, timestamp: delivery.timestamp,
                                                       signature: delivery.signature, secret: h.secret, now: Date())
            guard case .bill(_, _, let state, _, _) = callback else { Issue.record("\(callback)"); return }
            #expect(state.isFailed)
            #expect(try await h.adapter.bill(id: bill.billID).state == .cancelled)
        }
    }

    @Test("a push that times out is pending, not failed: polling later finds it paid")
    func timeoutThenSuccess() async throws {
        try await Self.run { h in
            try await h.scenario("077555444", "timeout_then_success", extra: ["confirm_after_ms": 400])
            let bill = try await h.adapter.createBill(Self.newBill("077555444"))
            try await h.adapter.pushUSSD(billID: bill.billID, wallet: .airtelMoney, payerMSISDN: "077555444")
            #expect(try await h.adapter.bill(id: bill.billID).state == .ready)
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await h.adapter.bill(id: bill.billID).state.isPaid)
        }
    }

    @Test("a duplicated callback carries the same bill and verifies each time (the service must apply it once)")
    func duplicateCallback() async throws {
        try await Self.run { h in
            try await h.scenario("066777888", "duplicate_callback", extra: ["confirm_after_ms": 50])
            let bill = try await h.adapter.createBill(Self.newBill("066777888"))
            try await h.adapter.pushUSSD(billID: bill.billID, wallet: .moovMoney, payerMSISDN: "066777888")
            let deliveries = try await h.receiver.wait(for: 2)
            let callbacks = try deliveries.map {
                try EBillingCallback.verify(body: $0.body, timestamp: $0.timestamp, signature: $0.signature,
                                            secret: h.secret, now: Date())
            }
            #expect(Set(callbacks.map { "\($0)" }).count == 1)
        }
    }

    @Test("forged, altered, replayed or malformed callbacks are refused")
    func forgedCallbacks() async throws {
        try await Self.run { h in
            let bill = try await h.adapter.createBill(Self.newBill())
            try await h.adapter.pushUSSD(billID: bill.billID, wallet: .airtelMoney, payerMSISDN: "074123456")
            let good = try #require(try await h.receiver.wait(for: 1).first)
            func verify(_ body: [UInt8], _ timestamp: String?, _ signature: String?, secret: String? = nil,
                        now: Date = Date()) -> EBillingCallback.Rejection? {
                do {
                    _ = try EBillingCallback.verify(body: body, timestamp: timestamp, signature: signature,
                                                    secret: secret ?? h.secret, now: now)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(verify(good.body, good.timestamp, good.signature) == nil)
            var altered = good.body
            let amount = Array("47000".utf8)
            if let at = altered.firstRange(of: amount) { altered.replaceSubrange(at, with: Array("47001".utf8)) }
            #expect(verify(altered, good.timestamp, good.signature) == .badSignature)
            #expect(verify(good.body, good.timestamp, good.signature, secret: "another secret") == .badSignature)
            #expect(verify(good.body, String(Int(good.timestamp!)! + 1), good.signature) == .badSignature)
            #expect(verify(good.body, good.timestamp, nil) == .missingSignature)
            #expect(verify(good.body, nil, good.signature) == .missingSignature)
            #expect(verify(good.body, good.timestamp, "sha256=zz") == .badSignature)
            #expect(verify(good.body, good.timestamp, "md5=" + good.signature!.dropFirst(7)) == .missingSignature)
            #expect(verify(good.body, good.timestamp, good.signature, now: Date().addingTimeInterval(600)) == .stale)
            #expect(verify(Array("not json".utf8), good.timestamp, good.signature) == .badSignature)
        }
    }

    /// The adapter's error for `call`, or nil when it succeeded.
    static func failure<T>(_ call: () async throws(EBillingCallError) -> T) async -> EBillingCallError? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    @Test("wrong credentials and bad bills are refusals the adapter reports, with nothing created")
    func refusals() async throws {
        try await Self.run(wrongKey: true) { h in
            let error = await Self.failure { () async throws(EBillingCallError) in try await h.adapter.createBill(Self.newBill()) }
            guard case .refused(let status, _)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(status == 401)
        }
        try await Self.run { h in
            let zero = await Self.failure { () async throws(EBillingCallError) in
                try await h.adapter.createBill(Self.newBill(amount: 0))
            }
            guard case .refused(let status, _)? = zero else { Issue.record("\(String(describing: zero))"); return }
            #expect(status == 422)
            let path = await Self.failure { () async throws(EBillingCallError) in
                try await h.adapter.pushUSSD(billID: "../etc", wallet: .airtelMoney, payerMSISDN: "074123456")
            }
            guard case .refused? = path else { Issue.record("a path was sent as an id"); return }
        }
    }

    @Test("an aggregator nobody answers for is unreachable: the request certainly did nothing")
    func unreachable() async throws {
        let adapter = EBillingClient(baseURL: "http://127.0.0.1:1", username: "u", sharedKey: "k", http: .shared,
                                     timeout: .seconds(3))
        let error = await Self.failure { () async throws(EBillingCallError) in try await adapter.createBill(Self.newBill()) }
        #expect(error == .unreachable)
    }

    @Test("a payout to a wallet (a refund) succeeds, and repeating it with the same reference pays once")
    func disbursement() async throws {
        try await Self.run { h in
            let payout = try await h.adapter.disburse(to: "074123456", wallet: .airtelMoney, amount: 42_300,
                                                      reference: "RFD-PNR7KQ2-1")
            #expect(payout.state == .processing && payout.amount == 42_300)
            let again = try await h.adapter.disburse(to: "074123456", wallet: .airtelMoney, amount: 42_300,
                                                     reference: "RFD-PNR7KQ2-1")
            #expect(again.disbursementID == payout.disbursementID)
            let delivery = try #require(try await h.receiver.wait(for: 1).first)
            let callback = try EBillingCallback.verify(body: delivery.body, timestamp: delivery.timestamp,
                                                       signature: delivery.signature, secret: h.secret, now: Date())
            #expect(callback == .disbursement(id: payout.disbursementID, reference: "RFD-PNR7KQ2-1",
                                              state: .succeeded, amount: 42_300))
            #expect(try await h.adapter.disbursement(id: payout.disbursementID).state == .succeeded)
        }
    }

    @Test("wallets follow the number's operator; other numbers have none", arguments: [
        ("+24174123456", Wallet.airtelMoney), ("+24177000000", .airtelMoney), ("+24162123456", .moovMoney),
        ("+24165123456", .moovMoney), ("+24166123456", .moovMoney),
    ])
    func wallets(number: String, wallet: Wallet) {
        #expect(Wallet(e164: number) == wallet)
        #expect(Wallet.national(e164: number) == "0" + number.dropFirst(4))
    }

    @Test func numbersWithoutAWallet() {
        for number in ["+24111123456", "+2417412345", "074123456", "+33612345678", "+241741234567", "+24174a23456"] {
            #expect(Wallet(e164: number) == nil, "\(number)")
        }
    }
}

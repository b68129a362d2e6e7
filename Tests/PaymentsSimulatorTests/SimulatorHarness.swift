import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import PaymentsSimulator

/// A merchant's callback endpoint on a loopback port: records every callback, and answers 500 to the first
/// `failFirst` of them.
final class CallbackReceiver: Sendable {
    struct Delivery: Sendable {
        let body: [UInt8]
        let signature: String?
        let timestamp: String?
        let at: ContinuousClock.Instant

        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: any Sendable]) ?? [:]
        }
        var billID: String? { json["bill_id"] as? String }
        var disbursementID: String? { json["disbursement_id"] as? String }
        var state: String? { json["state"] as? String }
    }

    private struct State {
        var deliveries: [Delivery] = []
        var requests = 0
        var failFirst: Int
    }

    private let state: Mutex<State>

    init(failFirst: Int = 0) {
        state = Mutex(State(failFirst: failFirst))
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/callbacks/ebilling") { request, _ in
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            let delivery = Delivery(
                body: Array(buffer.readableBytesView),
                signature: request.headers[HTTPField.Name("X-Ebilling-Signature")!],
                timestamp: request.headers[HTTPField.Name("X-Ebilling-Timestamp")!], at: .now)
            let fail = self.state.withLock { state in
                state.requests += 1
                state.deliveries.append(delivery)
                return state.requests <= state.failFirst
            }
            return Response(status: fail ? .internalServerError : .ok)
        }
        return router
    }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// Waits until at least `count` recorded callbacks satisfy `matching`, and returns them.
    func wait(for count: Int = 1, timeout: Duration = .seconds(5), matching: (Delivery) -> Bool) async throws
        -> [Delivery]
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = deliveries.filter(matching)
            if found.count >= count { return found }
            if ContinuousClock.now > deadline {
                Issue.record("expected \(count) callback(s), got \(found.count) in \(timeout)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A simulator on a loopback port whose callbacks go to a `CallbackReceiver` on another, and the calls a
/// merchant (or a test) makes to it.
struct SimulatorHarness: Sendable {
    let client: any TestClientProtocol
    let receiver: CallbackReceiver
    let configuration: EBillingConfiguration
    let simulatorURL: String

    static let logger: Logger = {
        var logger = Logger(label: "ebilling-simulator-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `test` against a fresh simulator and receiver. Retries are quick so that tests stay fast.
    static func run(
        failFirst: Int = 0, _ test: @escaping @Sendable (SimulatorHarness) async throws -> Void
    ) async throws {
        let receiver = CallbackReceiver(failFirst: failFirst)
        let receiverApp = Application(router: receiver.router(),
                                      configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      logger: logger)
        try await receiverApp.test(.live) { receiverClient in
            let receiverPort = try #require(receiverClient.port)
            let configuration = EBillingConfiguration(
                username: "setrag-test", sharedKey: randomText(), callbackSecret: randomText(),
                callbackURL: "http://127.0.0.1:\(receiverPort)/callbacks/ebilling",
                callbackRetryDelays: [.milliseconds(50), .milliseconds(100), .milliseconds(200)],
                callbackTimeout: .seconds(2))
            let (application, _) = EBillingServer.build(configuration: configuration, logger: logger)
            try await application.test(.live) { client in
                let port = try #require(client.port)
                try await test(SimulatorHarness(client: client, receiver: receiver, configuration: configuration,
                                                simulatorURL: "http://127.0.0.1:\(port)"))
            }
        }
    }

    static func randomText() -> String {
        Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    // MARK: Calls

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: [UInt8]

        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: any Sendable]) ?? [:]
        }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The bill of an `{"e_bill": ...}` answer.
        var bill: [String: any Sendable] { json["e_bill"] as? [String: any Sendable] ?? [:] }
        /// `field:code` of each entry of a problem's `errors`.
        var fieldErrors: Set<String> {
            Set((json["errors"] as? [[String: any Sendable]] ?? []).map {
                "\($0["field"] as? String ?? ""):\($0["code"] as? String ?? "")"
            })
        }
    }

    var merchantAuthorization: String {
        "Basic " + Data("\(configuration.username):\(configuration.sharedKey)".utf8).base64EncodedString()
    }

    enum Credentials: Sendable {
        case merchant, none
        case header(String)
    }

    /// A call with a raw body, by default with the merchant's credentials.
    func call(
        _ method: HTTPRequest.Method, _ path: String, raw: String? = nil, contentType: String = "application/json",
        credentials: Credentials = .merchant
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        switch credentials {
        case .merchant: headers[.authorization] = merchantAuthorization
        case .header(let value): headers[.authorization] = value
        case .none: break
        }
        if raw != nil { headers[.contentType] = contentType }
        return try await client.execute(uri: path, method: method, headers: headers,
                                        body: raw.map { ByteBuffer(string: $0) }) { response in
            Answer(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    /// A call with a JSON body made from `object`.
    func call(_ method: HTTPRequest.Method, _ path: String, json object: [String: Any]) async throws -> Answer {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await call(method, path, raw: String(decoding: data, as: UTF8.self))
    }

    static func billRequest(msisdn: String = "074123456", amount: Int = 12_500, reference: String = "PAY-1",
                            returnURL: String? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "payer_msisdn": msisdn, "payer_email": "awa@example.ga", "payer_name": "Awa Mba", "amount": amount,
            "short_description": "Billet Owendo - Franceville", "external_reference": reference,
            "expiry_period": 30, "currency": "XAF",
        ]
        if let returnURL { body["return_url"] = returnURL }
        return body
    }

    /// Creates a bill and returns its id.
    func createBill(msisdn: String = "074123456", reference: String = "PAY-1", returnURL: String? = nil)
        async throws -> String
    {
        let answer = try await call(.post, "/api/v1/merchant/e_bills",
                                    json: Self.billRequest(msisdn: msisdn, reference: reference, returnURL: returnURL))
        #expect(answer.status == .created)
        return try #require(answer.bill["bill_id"] as? String)
    }

    func push(_ billID: String, msisdn: String = "074123456", system: String = "airtelmoney") async throws -> Answer {
        try await call(.post, "/api/v1/merchant/e_bills/\(billID)/ussd_push",
                       json: ["payment_system_name": system, "payer_msisdn": msisdn])
    }

    func bill(_ billID: String) async throws -> [String: any Sendable] {
        let answer = try await call(.get, "/api/v1/merchant/e_bills/\(billID)")
        #expect(answer.status == .ok)
        return answer.bill
    }

    func setScenario(_ msisdn: String, _ scenario: [String: Any]) async throws {
        let answer = try await call(.put, "/_sim/scenarios/\(msisdn)", json: scenario)
        #expect(answer.status == .ok, "\(answer.text)")
    }

    /// Whether the callback's signature is the HMAC-SHA256 of `<timestamp>.<body>` keyed with the callback secret,
    /// and its timestamp is now give or take a minute.
    func signatureIsValid(_ delivery: CallbackReceiver.Delivery) -> Bool {
        guard let timestamp = delivery.timestamp, let seconds = Int(timestamp),
              abs(Date().timeIntervalSince1970 - Double(seconds)) < 60,
              let signature = delivery.signature else { return false }
        let key = SymmetricKey(data: Data(configuration.callbackSecret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + Data(delivery.body), using: key)
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return signature == "sha256=" + hex
    }
}

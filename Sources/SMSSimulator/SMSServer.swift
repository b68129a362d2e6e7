import Foundation
import Hummingbird
import Logging
import NIOCore
import SetragKernel

/// A simulator of the SMS gateway the notifications service sends through, run as its own process by
/// `setrag simulate sms`. It is a tool for tests and development, not a platform service.
///
/// Gateway API (the shape our adapter speaks; `Authorization: Bearer <api key>` on each call, else 401):
/// - `POST /v1/messages` `{from, to, text, reference}` -> 201 `{id, status: "accepted", segments}`; the same
///   reference with the same `to` and `text` again -> 200 with the first answer (a retry sends once); `from` is 1 to
///   11 letters or digits, `to` a Gabonese mobile number in E.164 (`+241` and 8 digits), `text` 1 to 918 characters
///   (6 segments), `reference` 1 to 64 characters; otherwise 422.
/// Tests: `GET /_sim/messages` (what was sent, oldest first), `PUT /_sim/outage {"requests": n}` (the next n
/// message requests are answered 503, as a gateway that is down), `POST /_sim/reset`. Also `GET /healthz`.
public enum SMSServer {
    public typealias App = Application<RouterResponder<AppContext>>

    /// The simulator and the application serving it: the one function both `setrag simulate sms` and the tests call.
    public static func build(apiKey: String, host: String = "127.0.0.1", port: Int, logger: Logger,
                             onListening: @escaping @Sendable (_ url: String) async -> Void = { _ in })
        -> (application: App, simulator: SMSSimulator)
    {
        let simulator = SMSSimulator()
        let router = Router(context: AppContext.self)
        router.middlewares.add(RequestIDMiddleware(maxUploadSize: 16 << 10))
        router.middlewares.add(ProblemMiddleware())
        ServiceHTTP.addHealthRoutes(to: router, metrics: nil, checks: [])
        let api = router.group("/v1").add(middleware: BearerKeyMiddleware(key: apiKey))
        api.post("/messages") { request, context in
            let message = try await request.decodeJSON(as: MessageBody.self, context: context).validated()
            guard await simulator.up() else {
                throw ProblemError(.unavailable, status: .serviceUnavailable, detail: "The gateway is down")
            }
            let (answer, created) = try await simulator.accept(message)
            return JSONResponse(answer, status: created ? .created : .ok)
        }
        router.get("/_sim/messages") { _, _ in JSONResponse(MessageList(messages: await simulator.messages())) }
        router.put("/_sim/outage") { request, context in
            let body = try await request.decodeJSON(as: OutageBody.self, context: context)
            guard (0...1000).contains(body.requests) else {
                throw ProblemError.validation([.init(field: "requests", code: "out-of-range")])
            }
            await simulator.outage(requests: body.requests)
            return JSONResponse(body)
        }
        router.post("/_sim/reset") { _, _ in
            await simulator.reset()
            return JSONResponse(["reset": true])
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "setrag-sms-simulator"),
            onServerRunning: { channel in
                let url = "http://\(host):\(channel.localAddress?.port ?? port)"
                logger.info("SMS simulator listening", metadata: ["url": "\(url)"])
                await onListening(url)
            },
            logger: logger)
        return (application, simulator)
    }
}

/// The messages the gateway took, and its outages.
public actor SMSSimulator {
    public struct Message: Codable, Sendable, Equatable {
        public let id: String
        public let from: String
        public let to: String
        public let text: String
        public let reference: String
        public let segments: Int
        public let receivedAt: Date
    }

    public struct Answer: Codable, Sendable, Equatable {
        public let id: String
        public let status: String
        public let segments: Int
    }

    private var sent: [Message] = []
    private var downFor = 0

    func up() -> Bool {
        guard downFor > 0 else { return true }
        downFor -= 1
        return false
    }

    func accept(_ new: NewMessage) throws -> (Answer, created: Bool) {
        if let earlier = sent.first(where: { $0.reference == new.reference }) {
            guard earlier.to == new.to, earlier.text == new.text else {
                throw ProblemError(.conflict, status: .conflict,
                                   detail: "Reference \(new.reference) was used for another message")
            }
            return (Answer(id: earlier.id, status: "accepted", segments: earlier.segments), false)
        }
        // GSM-7 fits 160 characters a segment, 153 when concatenated; accents outside GSM-7 make it UCS-2 (70/67).
        let gsm = new.text.unicodeScalars.allSatisfy { $0.isASCII || "éèàùìòÉÇçÄÖÑÜäöñü€".unicodeScalars.contains($0) }
        let (single, part) = gsm ? (160, 153) : (70, 67)
        let count = new.text.count
        let segments = count <= single ? 1 : (count + part - 1) / part
        let message = Message(id: "sms_\(sent.count + 1)", from: new.from, to: new.to, text: new.text,
                              reference: new.reference, segments: segments, receivedAt: Date())
        sent.append(message)
        return (Answer(id: message.id, status: "accepted", segments: segments), true)
    }

    public func messages() -> [Message] { sent }
    public func outage(requests: Int) { downFor = requests }
    public func reset() {
        sent = []
        downFor = 0
    }
}

struct MessageBody: JSONRequestBody {
    static let fields: Set<String> = ["from", "to", "text", "reference"]
    let from: String?
    let to: String?
    let text: String?
    let reference: String?

    func validated() throws -> NewMessage {
        var errors: [Problem.FieldError] = []
        let from = self.from ?? "", to = self.to ?? "", text = self.text ?? "", reference = self.reference ?? ""
        if !(1...11).contains(from.count) || !from.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            errors.append(.init(field: "from", code: "invalid", message: "1 to 11 letters or digits"))
        }
        if !to.hasPrefix("+241") || GabonesePhone.mobileE164(to) != to {
            errors.append(.init(field: "to", code: "invalid", message: "a Gabonese mobile number as +241 and 8 digits"))
        }
        if !(1...918).contains(text.count) {
            errors.append(.init(field: "text", code: "invalid", message: "1 to 918 characters"))
        }
        if !(1...64).contains(reference.count) {
            errors.append(.init(field: "reference", code: "invalid", message: "1 to 64 characters"))
        }
        guard errors.isEmpty else { throw ProblemError.validation(errors) }
        return NewMessage(from: from, to: to, text: text, reference: reference)
    }
}

struct NewMessage: Sendable {
    let from: String
    let to: String
    let text: String
    let reference: String
}

struct MessageList: Encodable, Sendable {
    let messages: [SMSSimulator.Message]
}

struct OutageBody: JSONRequestBody, Encodable {
    static let fields: Set<String> = ["requests"]
    let requests: Int
}

/// `Authorization: Bearer <key>`, compared in constant time; else 401.
struct BearerKeyMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let key: String

    func handle(_ request: Request, context: AppContext,
                next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let given = request.headers[.authorization] ?? ""
        let expected = "Bearer " + key
        guard given.utf8.count == expected.utf8.count,
              zip(given.utf8, expected.utf8).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw ProblemError(.unauthorized, status: .unauthorized, detail: "A valid API key is required")
        }
        return try await next(request, context)
    }
}

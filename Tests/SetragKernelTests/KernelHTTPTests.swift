import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import SetragKernel
import SetragTesting
import Testing

struct Order: JSONRequestBody {
    static let fields: Set<String> = ["trip", "seats"]
    let trip: String
    let seats: Int
}

func kernelApp(checks: [ReadinessCheck] = []) -> some ApplicationProtocol {
    let settings = Settings.values(["http.body_limit": "2048"])
    let kernel = KernelSettings(settings)
    let router = ServiceHTTP.router(kernel: kernel, verifier: nil, metrics: PrometheusCollectorRegistry(),
                                    checks: checks)
    router.post("/orders") { request, context in
        let order = try await request.decodeJSON(as: Order.self, context: context)
        return JSONResponse(["trip": order.trip], status: .created)
    }
    router.get("/boom") { _, _ -> String in throw CancellationError() }
    router.get("/mine") { _, context -> String in
        _ = try context.require(.auditRead)
        return "ok"
    }
    return Application(router: router)
}

func body(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
}

@Suite struct KernelHTTPTests {
    @Test func badInputGetsProblemsNeverA500() async throws {
        try await kernelApp().test(.router) { client in
            let json: HTTPFields = [.contentType: "application/json"]
            let cases: [(String, HTTPFields, Int, String)] = [
                ("{", json, 400, "malformed-body"),
                (#"{"trip":"t"}"#, json, 422, "validation"),
                (#"{"trip":"t","seats":"two"}"#, json, 422, "validation"),
                (#"{"trip":"t","seats":2,"price":0}"#, json, 422, "validation"),
                (#"{"trip":"t","seats":99999999999999999999}"#, json, 422, "validation"),
                (#"{"trip":"t","seats":2}"#, [.contentType: "text/xml"], 415, "unsupported-media-type"),
                (String(repeating: "x", count: 4096), json, 413, "body-too-large"),
            ]
            for (text, headers, status, type) in cases {
                let response = try await client.execute(uri: "/orders", method: .post, headers: headers,
                                                        body: ByteBuffer(string: text))
                #expect(Int(response.status.code) == status, "\(text.prefix(40))")
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(body(response)["type"] as? String == "https://setrag.ga/problems/\(type)")
            }
            let ok = try await client.execute(uri: "/orders", method: .post, headers: json,
                                              body: ByteBuffer(string: #"{"trip":"Owendo'; --","seats":2}"#))
            #expect(ok.status == .created)
            #expect(body(ok)["trip"] as? String == "Owendo'; --")
        }
    }

    @Test func unknownRoutesErrorsAndRightsAreProblems() async throws {
        try await kernelApp().test(.router) { client in
            let missing = try await client.execute(uri: "/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let boom = try await client.execute(uri: "/boom", method: .get, headers: [RequestIDMiddleware<AppContext>.header: "req-42"])
            #expect(boom.status == .internalServerError)
            #expect(body(boom)["requestId"] as? String == "req-42")
            #expect(!(String(buffer: boom.body).contains("CancellationError")))
            let anonymous = try await client.execute(uri: "/mine", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func requestIDsAreKeptOrMade() async throws {
        try await kernelApp().test(.router) { client in
            let kept = try await client.execute(uri: "/healthz", method: .get,
                                                headers: [RequestIDMiddleware<AppContext>.header: "abc-123"])
            #expect(kept.headers[RequestIDMiddleware<AppContext>.header] == "abc-123")
            let made = try await client.execute(uri: "/healthz", method: .get,
                                                headers: [RequestIDMiddleware<AppContext>.header: "<script>"])
            let id = made.headers[RequestIDMiddleware<AppContext>.header] ?? ""
            #expect(id.count == 32 && id != "<script>")
            #expect(id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        }
        // Made ids never repeat.
        let ids = (0..<10_000).map { _ in RequestIDMiddleware<AppContext>.make() }
        #expect(Set(ids).count == ids.count)
    }

    @Test("base64url: the same text as Foundation's base64 with the URL alphabet and no padding, both ways")
    func base64URL() {
        for length in 0..<70 {
            let bytes = Data(randomBytes(length))
            let expected = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(bytes.base64URLEncodedString() == expected)
            #expect(Data(base64URLEncoded: expected) == bytes)
        }
        #expect(Data(base64URLEncoded: "a") == nil)
        #expect(Data(base64URLEncoded: "ab*d") == nil)
        #expect(randomBytes(300).count == 300)
        #expect(randomBytes(32) != randomBytes(32))
    }

    @Test func readinessReflectsDependencies() async throws {
        struct Down: Error {}
        try await kernelApp(checks: [ReadinessCheck(name: "database") {}, ReadinessCheck(name: "broker") { throw Down() }])
            .test(.router) { client in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .serviceUnavailable)
                #expect((body(ready)["checks"] as? [String: String]) == ["database": "ok", "broker": "failing"])
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            }
    }
}

@Suite struct SettingsTests {
    @Test func everyProblemIsListedAtOnce() {
        let settings = Settings.values(["db.port": "abc", "http.body_limit": "5", "environment": "staging"])
        _ = DatabaseSettings(settings, services: ["identity"])
        _ = KernelSettings(settings)
        _ = FieldCrypto.from(settings)
        let error = #expect(throws: SettingsError.self) { try settings.validate() }
        let problems = error?.problems ?? []
        #expect(problems.contains { $0.hasPrefix("db.port") })
        #expect(problems.contains { $0.hasPrefix("http.body_limit") })
        #expect(problems.contains { $0.hasPrefix("environment") })
        #expect(problems.contains { $0.hasPrefix("crypto.field_keys is missing") })
        #expect(problems.contains { $0.hasPrefix("crypto.lookup_key is missing") })
    }

    @Test func personalDataIsSealedPerRowAndColumn() throws {
        let settings = TestEnvironment.settings()
        let crypto = try #require(FieldCrypto.from(settings))
        let sealed = try crypto.seal("Ndjolé 077123456", context: "users:usr_1:phone")
        #expect(try crypto.open(sealed, context: "users:usr_1:phone") == "Ndjolé 077123456")
        #expect(throws: (any Error).self) { try crypto.open(sealed, context: "users:usr_2:phone") }
        #expect(crypto.lookupHash("a", purpose: "email") == crypto.lookupHash("a", purpose: "email"))
        #expect(crypto.lookupHash("a", purpose: "email") != crypto.lookupHash("a", purpose: "phone"))
    }
}

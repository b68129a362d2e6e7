import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetragKernel
import Testing

@testable import Gateway

/// The proxy's short path (`FastProxy`): anonymous GETs from clients that are not browsers, answered by a channel
/// handler on a live server. What a caller sees must be what the long path gives.
@Suite("Gateway short path")
struct FastPathTests {
    /// A live gateway in front of a `FakeService`, with the short path's count.
    static func withGateway(
        _ extra: [String: String] = [:],
        test: @escaping @Sendable (Int, GatewayClients) async throws -> Void
    ) async throws {
        try await GatewayHarness.withFakeService { port in
            try await GatewayHarness.withGatewayClients(upstream: "http://localhost:\(port)", extra, mode: .live) {
                client, _, clients in
                try await test(try #require(client.port), clients)
            }
        }
    }

    @Test("an anonymous GET reaches its service on the short path with the long path's headers both ways")
    func forwards() async throws {
        try await Self.withGateway { port, clients in
            let answer = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/stations?line=transgabonais", headers: [
                    "X-Request-Id": "req-fast-1", "X-Forwarded-For": "6.6.6.6", "Connection": "keep-alive, X-Drop",
                    "X-Drop": "hop", "Accept": "application/json",
                ]))
                return try #require(try await reader.response())
            }
            #expect(clients.fastPathStats.count == 1)
            #expect(answer.status == 200)
            #expect(answer.header("x-request-id") == "req-fast-1")
            #expect(answer.header("server") == "setrag-gateway")
            #expect(answer.header("x-content-type-options") == "nosniff")
            #expect(answer.header("set-cookie") == "idp=1; Path=/")
            #expect(answer.header("content-length") == String(answer.body.count))
            let echo = try #require(answer.echo)
            #expect(echo.method == "GET")
            #expect(echo.uri == "/api/v1/stations?line=transgabonais")
            #expect(echo.headers["x-request-id"] == "req-fast-1")
            // The caller's own X-Forwarded-For is not believed: the gateway writes the peer's address.
            #expect(["127.0.0.1", "::1"].contains(echo.headers["x-forwarded-for"] ?? ""))
            #expect(echo.headers["x-forwarded-proto"] == "http")
            #expect(echo.headers["x-forwarded-host"] == "gateway.test")
            #expect(echo.headers["accept"] == "application/json")
            // Hop-by-hop headers, and those `Connection` names, stay at the gateway.
            #expect(echo.headers["x-drop"] == nil)
            #expect(echo.headers["connection"] == nil)
        }
    }

    @Test("browsers, signed-in callers, bodies and the gateway's own paths take the long path", arguments: [
        ("GET", "/api/v1/stations", ["Sec-Fetch-Mode": "cors"]),
        ("GET", "/api/v1/stations", ["Accept": "text/html"]),
        ("GET", "/api/v1/stations", ["Cookie": "lang=fr"]),
        ("GET", "/api/v1/stations", ["Origin": "http://gateway.test"]),
        ("POST", "/api/v1/quotes", ["Content-Type": "application/json"]),
        ("GET", "/healthz", [:]),
        ("GET", "/api/v1/nothing", [:]),
        ("GET", "/internal/events", [:]),
    ] as [(String, String, [String: String])])
    func longPath(method: String, path: String, headers: [String: String]) async throws {
        try await Self.withGateway { port, clients in
            let answer = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request(path, method: method, headers: headers,
                                                       body: method == "POST" ? "{}" : nil))
                return try #require(try await reader.response())
            }
            #expect(clients.fastPathStats.count == 0)
            #expect(answer.header("x-request-id") != nil)
            #expect(answer.header("server") == "setrag-gateway")
            if path.hasPrefix("/api/v1/nothing") || path.hasPrefix("/internal") {
                #expect(answer.status == 404)
                #expect(answer.header("content-type") == "application/problem+json")
            } else {
                #expect(answer.status == 200)
            }
        }
    }

    @Test("requests written at once on one connection are answered in order, whichever path each takes")
    func pipelined() async throws {
        try await Self.withGateway { port, clients in
            let answers = try await RawHTTP.session(port: port) { reader, writer in
                var bytes = RawHTTP.request("/api/v1/trips?n=1")
                bytes.writeImmutableBuffer(RawHTTP.request("/api/v1/quotes?n=2", method: "POST",
                                                           headers: ["Content-Type": "application/json"],
                                                           body: #"{"n":2}"#))
                bytes.writeImmutableBuffer(RawHTTP.request("/api/v1/trips?n=3", method: "HEAD"))
                bytes.writeImmutableBuffer(RawHTTP.request("/api/v1/trips?n=4", headers: ["Cookie": "lang=fr"]))
                bytes.writeImmutableBuffer(RawHTTP.request("/api/v1/trips?n=5", headers: ["Connection": "close"]))
                try await writer.write(bytes)
                var answers: [RawResponse] = []
                for index in 0..<5 {
                    answers.append(try #require(try await reader.response(bodyless: index == 2)))
                }
                #expect(try await reader.closedByServer())
                return answers
            }
            #expect(answers.map(\.status) == [200, 200, 200, 200, 200])
            #expect(answers[0].echo?.uri == "/api/v1/trips?n=1")
            #expect(answers[1].echo?.uri == "/api/v1/quotes?n=2")
            #expect(answers[1].echo?.bodyBytes == 7)
            #expect(answers[2].body.isEmpty)
            #expect(Int(answers[2].header("content-length") ?? "") ?? 0 > 0)
            #expect(answers[3].echo?.uri == "/api/v1/trips?n=4")
            #expect(answers[4].echo?.uri == "/api/v1/trips?n=5")
            #expect(answers[4].header("connection") == "close")
            #expect(clients.fastPathStats.count == 3)
        }
    }

    @Test("a large answer streams through whole")
    func large() async throws {
        try await Self.withGateway { port, clients in
            let answer = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/gtfs.zip"))
                let first = try #require(try await reader.response())
                // The connection still serves the next request after a streamed answer.
                try await writer.write(RawHTTP.request("/api/v1/trips?after=large"))
                let second = try #require(try await reader.response())
                #expect(second.echo?.uri == "/api/v1/trips?after=large")
                return first
            }
            #expect(answer.status == 200)
            #expect(answer.header("content-type") == "application/zip")
            #expect(answer.body.count == FakeService.largeBody.count)
            #expect(answer.body == FakeService.largeBody)
            #expect(clients.fastPathStats.count == 2)
        }
    }

    @Test("a service that is down, or slow, gives the long path's problem documents")
    func failures() async throws {
        try await GatewayHarness.withGatewayClients(upstream: "http://127.0.0.1:1", mode: .live) { client, _, clients in
            let answer = try await RawHTTP.session(port: try #require(client.port)) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/trips?from=OWE", headers: ["X-Request-Id": "r-503"]))
                return try #require(try await reader.response())
            }
            #expect(clients.fastPathStats.count == 1)
            #expect(answer.status == 503)
            #expect(answer.header("content-type") == "application/problem+json")
            #expect(answer.header("retry-after") == "5")
            #expect(answer.header("x-request-id") == "r-503")
            let problem = try JSONDecoder().decode(Problem.self, from: Data(answer.body))
            #expect(problem.type == ProblemType.unavailable.uri)
            #expect(problem.requestId == "r-503")
        }
        try await Self.withGateway(["gateway.upstream_timeout": "0.2"]) { port, clients in
            let answer = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/trains/slow"))
                return try #require(try await reader.response())
            }
            #expect(clients.fastPathStats.count == 1)
            #expect(answer.status == 504)
            let problem = try JSONDecoder().decode(Problem.self, from: Data(answer.body))
            #expect(problem.type == ProblemType.timeout.uri)
        }
    }

    @Test("the short path counts against the caller's read quota; a refusal is the long path's 429")
    func quota() async throws {
        let limits = ["gateway.quota.read.burst": "3", "gateway.quota.read.rate_per_minute": "1"]
        try await Self.withGateway(limits) { port, clients in
            let statuses = try await RawHTTP.session(port: port) { reader, writer in
                var statuses: [(Int, String?)] = []
                for index in 0..<5 {
                    try await writer.write(RawHTTP.request("/api/v1/stations?i=\(index)"))
                    let answer = try #require(try await reader.response())
                    statuses.append((answer.status, answer.header("retry-after")))
                }
                return statuses
            }
            #expect(statuses.map(\.0) == [200, 200, 200, 429, 429])
            #expect(statuses[3].1 != nil)
            #expect(clients.fastPathStats.count == 3)
        }
    }

    @Test("a connection busy with short-path requests stays open past the idle timeout; an idle one is closed")
    func idle() async throws {
        try await Self.withGateway(["http.idle_timeout": "2"]) { port, clients in
            let (closed, requests) = try await RawHTTP.session(port: port, timeout: .seconds(30)) { reader, writer in
                let start = ContinuousClock.now
                var index = 0
                while ContinuousClock.now - start < .milliseconds(4500) {
                    try await writer.write(RawHTTP.request("/api/v1/trips?i=\(index)"))
                    let answer = try #require(try await reader.response())
                    #expect(answer.echo?.uri == "/api/v1/trips?i=\(index)")
                    index += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
                // Now idle: the gateway closes the connection after about two seconds.
                let idleStart = ContinuousClock.now
                let closed = try await reader.closedByServer()
                let waited = ContinuousClock.now - idleStart
                #expect(waited > .seconds(1))
                #expect(waited < .seconds(10))
                return (closed, index)
            }
            #expect(closed)
            // Every request of the 4.5 s (more than twice the idle timeout) went on the one connection.
            #expect(requests >= 3)
            #expect(clients.fastPathStats.count == requests)
        }
    }

    @Test("a request that arrives in pieces is read whole; a body sent in pieces reaches the long path whole")
    func pieces() async throws {
        try await Self.withGateway { port, clients in
            let answers = try await RawHTTP.session(port: port) { reader, writer in
                let get = RawHTTP.request("/api/v1/trips?split=1", headers: ["Accept": "application/json"])
                let bytes = Array(get.readableBytesView)
                for range in [0..<5, 5..<23, 23..<bytes.count] {
                    try await writer.write(ByteBuffer(bytes: bytes[range]))
                    try await Task.sleep(for: .milliseconds(30))
                }
                var answers = [try #require(try await reader.response())]
                // A POST whose body comes in two writes, then a GET right behind it in the second.
                let body = String(repeating: "x", count: 3000)
                let post = Array(RawHTTP.request("/api/v1/quotes?split=2", method: "POST",
                                                 headers: ["Content-Type": "text/plain"], body: body).readableBytesView)
                try await writer.write(ByteBuffer(bytes: post[0..<(post.count - 1000)]))
                try await Task.sleep(for: .milliseconds(30))
                var rest = ByteBuffer(bytes: post[(post.count - 1000)...])
                rest.writeImmutableBuffer(RawHTTP.request("/api/v1/trips?split=3"))
                try await writer.write(rest)
                answers.append(try #require(try await reader.response()))
                answers.append(try #require(try await reader.response()))
                return answers
            }
            #expect(answers.map(\.status) == [200, 200, 200])
            #expect(answers[0].echo?.uri == "/api/v1/trips?split=1")
            #expect(answers[1].echo?.uri == "/api/v1/quotes?split=2")
            #expect(answers[1].echo?.bodyBytes == 3000)
            #expect(answers[2].echo?.uri == "/api/v1/trips?split=3")
            #expect(clients.fastPathStats.count == 2)
        }
    }

    @Test("a chunked answer comes through with its chunks, and the connection goes on")
    func chunkedAnswer() async throws {
        try await Self.withGateway { port, clients in
            let (first, second) = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/trains/chunked"))
                let first = try #require(try await reader.response())
                try await writer.write(RawHTTP.request("/api/v1/trips?after=chunked"))
                return (first, try #require(try await reader.response()))
            }
            #expect(first.status == 200)
            #expect(first.header("transfer-encoding") == "chunked")
            #expect(String(decoding: first.body, as: UTF8.self) == FakeService.chunkedBody)
            #expect(second.echo?.uri == "/api/v1/trips?after=chunked")
            #expect(clients.fastPathStats.count == 2)
        }
    }

    @Test("a chunked request body goes to the server's parser with the rest of the connection, answered in order")
    func chunkedRequest() async throws {
        try await Self.withGateway { port, clients in
            let answers = try await RawHTTP.session(port: port) { reader, writer in
                var bytes = ByteBuffer(string: "POST /api/v1/quotes?te=1 HTTP/1.1\r\nHost: gateway.test\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
                bytes.writeImmutableBuffer(RawHTTP.request("/api/v1/trips?after=te"))
                try await writer.write(bytes)
                return [try #require(try await reader.response()), try #require(try await reader.response())]
            }
            #expect(answers.map(\.status) == [200, 200])
            #expect(answers[0].echo?.bodyBytes == 3)
            #expect(answers[1].echo?.uri == "/api/v1/trips?after=te")
            #expect(clients.fastPathStats.count == 0)
        }
    }

    @Test("a head that is not well-formed HTTP/1.1 gets a 400 problem and the connection ends", arguments: [
        "GET /api/v1/trips?fold=1 HTTP/1.1\r\nHost: gateway.test\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET /api/v1/trips?lf=1 HTTP/1.1\nHost: gateway.test\n\n",
        "GET /api/v1/trips?space=1 HTTP/1.1\r\nHost : gateway.test\r\n\r\n",
        "GET /api/v1/trips?cr=1 HTTP/1.1\r\nHost: gateway.test\rX-A: b\r\n\r\n",
    ])
    func malformed(request: String) async throws {
        try await Self.withGateway { port, clients in
            let (answer, closed) = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(ByteBuffer(string: request))
                return (try #require(try await reader.response()), try await reader.closedByServer())
            }
            #expect(answer.status == 400)
            #expect(answer.header("content-type") == "application/problem+json")
            #expect(answer.header("connection") == "close")
            let problem = try JSONDecoder().decode(Problem.self, from: Data(answer.body))
            #expect(problem.type == ProblemType.malformedRequest.uri)
            #expect(closed)
            #expect(clients.fastPathStats.count == 0)
        }
    }

    @Test("a graceful shutdown ends a kept-alive connection whose requests all took the short path")
    func shutdown() async throws {
        let socket = BlockingSocket()
        let started = ContinuousClock.now
        try await withTimeout(.seconds(30)) {
            try await Self.withGateway { port, clients in
                try await socket.connect(port: port)
                try await socket.send(RawHTTP.request("/api/v1/trips?before=shutdown"))
                let answer = try await socket.receive()
                #expect(answer.hasPrefix("HTTP/1.1 200"))
                #expect(clients.fastPathStats.count == 1)
                // The connection stays open (keep-alive) while the gateway shuts down.
            }
        }
        // The server did not wait for the client: the shutdown took far less than the idle timeout (60 s).
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(try await socket.receive().isEmpty)
        socket.close()
    }

    @Test("with the short path off, the same request goes the long way")
    func off() async throws {
        try await Self.withGateway(["gateway.fast_path": "false"]) { port, clients in
            let answer = try await RawHTTP.session(port: port) { reader, writer in
                try await writer.write(RawHTTP.request("/api/v1/stations", headers: ["X-Request-Id": "req-long"]))
                return try #require(try await reader.response())
            }
            #expect(clients.fastPathStats.count == 0)
            #expect(answer.status == 200)
            #expect(answer.header("x-request-id") == "req-long")
            #expect(answer.echo?.headers["x-request-id"] == "req-long")
        }
    }
}

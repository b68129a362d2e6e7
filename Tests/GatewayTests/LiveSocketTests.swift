import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import NIOCore
import NIOHTTP1
import NIOWebSocket
import SetragKernel
import Testing

@testable import Gateway

@Suite("WebSocket pass-through of /api/v1/live")
struct LiveSocketTests {
    /// A tracking stand-in: says which Authorization it got, then echoes text messages.
    static func withFakeTracking(_ test: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        router.get("/api/v1/live") { _, _ in Response(status: .upgradeRequired) }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade { head, _, _ async throws -> ShouldUpgradeResult<
                WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
            > in
                let authorization = head.headerFields[.authorization] ?? "none"
                let query = head.path ?? ""
                return .upgrade([:]) { inbound, outbound, _ in
                    try await outbound.write(.text("hello \(authorization) \(query)"))
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message { try await outbound.write(.text("echo:\(text)")) }
                    }
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.live) { client in try await test(try #require(client.port)) }
    }

    static func text(_ string: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: string))
    }

    @Test("a browser's socket is relayed to tracking with the session's token")
    func relays() async throws {
        try await Self.withFakeTracking { trackingPort in
            try await GatewayHarness.withGateway(upstream: "http://localhost:\(trackingPort)", mode: .live) {
                client, configuration in
                let port = try #require(client.port)
                let token = GatewayHarness.accessToken()
                let session = WebSession(accessToken: token, refreshToken: nil,
                                         expiresAt: Int(Date().timeIntervalSince1970) + 300, subject: "usr_1")
                var headers = HTTPHeaders()
                headers.add(name: "Cookie", value: GatewayHarness.sessionCookie(session, configuration: configuration))
                headers.add(name: "Origin", value: "http://localhost:\(port)")
                let connected = try await LiveSocket.connect(
                    url: "http://localhost:\(port)", path: "/api/v1/live?run=42", headers: headers,
                    timeout: .seconds(5))
                let socket = try #require(connected)
                try await socket.executeThenClose { inbound, outbound in
                    var frames = inbound.makeAsyncIterator()
                    let hello = try #require(try await frames.next())
                    #expect(String(buffer: hello.unmaskedData) == "hello Bearer \(token) /api/v1/live?run=42")
                    try await outbound.write(Self.text("position?"))
                    let echo = try #require(try await frames.next())
                    #expect(String(buffer: echo.unmaskedData) == "echo:position?")
                    var goodbye = ByteBuffer()
                    goodbye.write(webSocketErrorCode: .normalClosure)
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(),
                                                            data: goodbye))
                }
            }
        }
    }

    @Test("a handshake from a foreign page or to a tracking that is down is not upgraded")
    func refuses() async throws {
        try await Self.withFakeTracking { trackingPort in
            try await GatewayHarness.withGateway(upstream: "http://localhost:\(trackingPort)", mode: .live) {
                client, _ in
                let port = try #require(client.port)
                var headers = HTTPHeaders()
                headers.add(name: "Origin", value: "https://evil.example")
                let socket = try await LiveSocket.connect(
                    url: "http://localhost:\(port)", path: "/api/v1/live", headers: headers,
                    timeout: .seconds(5))
                #expect(socket == nil)
            }
        }
        try await GatewayHarness.withGateway(upstream: "http://127.0.0.1:1", mode: .live) { client, _ in
            let port = try #require(client.port)
            let socket = try await LiveSocket.connect(
                url: "http://localhost:\(port)", path: "/api/v1/live", headers: [:],
                timeout: .seconds(5))
            #expect(socket == nil)
            // Without the upgrade, the path is an ordinary request: tracking is down.
            try await client.execute(uri: "/api/v1/live", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }
}

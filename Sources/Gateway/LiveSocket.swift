import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SetragKernel

/// WebSocket pass-through for `/api/v1/live`: the browser's socket ends at the gateway, which opens one to the
/// tracking service with the caller's token and relays frames both ways. A refused handshake leaves the request
/// to the router (an ordinary HTTP answer: 503 when tracking is down).
struct LiveSocket: Sendable {
    static let path = "/api/v1/live"
    let gateway: GatewayServices
    let verifier: AccessTokenVerifier

    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel, logger: Logger) async
        -> ShouldUpgradeResult<Handler>
    {
        let uri = URI(head.path ?? "/")
        guard uri.path == Self.path else { return .dontUpgrade }
        var logger = logger
        let requestID = head.headerFields[RequestIDMiddleware<AppContext>.header].flatMap(Self.validID)
            ?? RequestIDMiddleware<AppContext>.make()
        logger[metadataKey: "request_id"] = .string(requestID)

        // Browsers send cookies with cross-site WebSocket handshakes: only pages we serve may open one.
        if let origin = head.headerFields[.origin] {
            let allowed = CSRFMiddleware(publicOrigin: gateway.configuration.publicOrigin,
                                         corsOrigins: gateway.configuration.corsOrigins)
            guard allowed.originAllowed(origin, authority: head.authority) else {
                logger.info("live socket refused: foreign origin", metadata: ["origin": "\(origin)"])
                return .dontUpgrade
            }
        }
        let address = ClientAddressResponder<RouterResponder<AppContext>>.address(
            peer: channel.remoteAddress?.ipAddress, forwarded: head.headerFields[UpstreamProxy.forwardedFor],
            trustedProxies: gateway.configuration.trustedProxies)

        var authorization: String?
        var subject: String?
        if let header = head.headerFields[.authorization], header.lowercased().hasPrefix("bearer ") {
            guard let claims = try? await verifier.verify(String(header.dropFirst(7))) else { return .dontUpgrade }
            authorization = header
            subject = claims.sub
        } else if let cookie = head.headerFields[values: .cookie].first(where: { $0.contains(GatewayCookies.session) }),
                  let session = gateway.cookies.session(cookieHeaders: [cookie]),
                  session.expiresAt > Int(Date().timeIntervalSince1970) {
            authorization = "Bearer \(session.accessToken)"
            subject = session.subject
        }
        let key = subject.map { "sub:" + $0 } ?? "ip:" + (address ?? "unknown")
        guard gateway.buckets.take(key, class: .read).allowed else { return .dontUpgrade }

        var headers = HTTPHeaders()
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        headers.add(name: "X-Request-Id", value: requestID)
        if let address { headers.add(name: "X-Forwarded-For", value: address) }
        headers.add(name: "X-Forwarded-Proto", value: gateway.proxy.publicScheme)
        for name in ["Accept-Language", "User-Agent"] {
            if let field = HTTPField.Name(name), let value = head.headerFields[field] {
                headers.add(name: name, value: value)
            }
        }
        let upstream: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
        do {
            guard let connected = try await Self.connect(
                url: gateway.proxy.endpoints.url("tracking"), path: uri.string, headers: headers,
                timeout: gateway.configuration.upstreamTimeout) else {
                logger.info("live socket: tracking did not upgrade")
                return .dontUpgrade
            }
            upstream = connected
        } catch {
            logger.warning("live socket: tracking unreachable", metadata: ["error": "\(error)"])
            return .dontUpgrade
        }
        return .upgrade([:]) { inbound, outbound, _ in
            try await Self.relay(browser: inbound, to: outbound, upstream: upstream)
        }
    }

    /// Opens a WebSocket to `url` + `path`; nil when the server answers the handshake with anything but 101.
    static func connect(url: String, path: String, headers: HTTPHeaders, timeout: Duration) async throws
        -> NIOAsyncChannel<WebSocketFrame, WebSocketFrame>?
    {
        enum Upgrade: Sendable {
            case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
            case refused(any Channel)
        }
        guard let components = URLComponents(string: url), components.scheme == "http",
              let host = components.host else { throw LiveSocketError.unsupportedURL(url) }
        let port = components.port ?? 80
        var headers = headers
        headers.replaceOrAdd(name: "Host", value: "\(host):\(port)")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        let result: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 16) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    }
                    var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
                        upgradeConfiguration: .init(upgradeRequestHead: head, upgraders: [upgrader]) { channel in
                            channel.eventLoop.makeSucceededFuture(.refused(channel))
                        })
                    configuration.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: configuration)
                }
            }
        let upgrade = try await withTimeout(timeout) { try await result.get() }
        switch upgrade {
        case .websocket(let channel):
            return channel
        case .refused(let channel):
            try? await channel.close()
            return nil
        }
    }

    /// Relays frames until either side closes: the browser's data frames go up masked, tracking's come down; pings
    /// from tracking are answered here (the browser's are answered by the server side already).
    static func relay(browser inbound: WebSocketInboundStream, to outbound: WebSocketOutboundWriter,
                      upstream: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>) async throws {
        try await upstream.executeThenClose { upstreamInbound, upstreamOutbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await frame in upstreamInbound {
                        switch frame.opcode {
                        case .text, .binary, .continuation:
                            try await outbound.write(.custom(WebSocketFrame(fin: frame.fin, opcode: frame.opcode,
                                                                            data: frame.unmaskedData)))
                        case .ping:
                            try await upstreamOutbound.write(WebSocketFrame(
                                fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
                        case .connectionClose:
                            return
                        default:
                            continue
                        }
                    }
                }
                group.addTask {
                    for try await frame in inbound {
                        let opcode: WebSocketOpcode = switch frame.opcode {
                        case .text: .text
                        case .binary: .binary
                        case .continuation: .continuation
                        }
                        try await upstreamOutbound.write(WebSocketFrame(fin: frame.fin, opcode: opcode,
                                                                        maskKey: .random(), data: frame.data))
                    }
                    var goodbye = ByteBuffer()
                    goodbye.write(webSocketErrorCode: .normalClosure)
                    try? await upstreamOutbound.write(WebSocketFrame(fin: true, opcode: .connectionClose,
                                                                     maskKey: .random(), data: goodbye))
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    static func validID(_ id: String) -> String? {
        !id.isEmpty && id.count <= 128
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) } ? id : nil
    }
}

enum LiveSocketError: Error { case unsupportedURL(String) }

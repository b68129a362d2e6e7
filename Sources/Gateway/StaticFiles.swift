import Foundation
import Hummingbird
import Logging
import NIOPosix
import SetragKernel

/// Serves the web app from `gateway.web_root`. Any other page a browser asks for gets `index.html` (the app's own
/// routes: `/profile`, `/signup`). Versioned assets (`app.js?v=…`, `app-3F2A9C1B.js`) are cached for a year;
/// everything else is revalidated (`no-cache`, with ETag). HTML carries the security headers.
struct StaticFiles: Sendable {
    let files: FileMiddleware<AppContext, LocalFileSystem>
    let contentSecurityPolicy: String

    /// `tilesOrigin`: where the live map's tiles come from in production (`gateway.map_tiles_origin`), allowed as an
    /// image source; none by default (the map draws the line from our own data). `publicOrigin`: the site's own
    /// origin, whose WebSocket (`/api/v1/live`) pages may open (browsers older than CSP 3 do not count `ws:` and
    /// `wss:` as `'self'`).
    init(root: String, tilesOrigin: String? = nil, publicOrigin: String? = nil, logger: Logger) {
        contentSecurityPolicy = Self.contentSecurityPolicy(tilesOrigin: tilesOrigin, publicOrigin: publicOrigin)
        files = FileMiddleware(
            fileProvider: LocalFileSystem(rootFolder: root, threadPool: .singleton, logger: logger),
            searchForIndexHtml: true
        ).withAdditionalMediaType(MediaType(type: .application, subType: "manifest+json"),
                                  mappedToFileExtension: "webmanifest")
    }

    static func contentSecurityPolicy(tilesOrigin: String?, publicOrigin: String? = nil) -> String {
        let socket = publicOrigin.map { origin in
            " " + (origin.hasPrefix("https://") ? "wss://" + origin.dropFirst(8) : "ws://" + origin.dropFirst(7))
        } ?? ""
        return [
            "default-src 'self'", "img-src 'self' data: blob:" + (tilesOrigin.map { " " + $0 } ?? ""),
            "connect-src 'self'" + socket,
            "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// Paths that belong to the API or the sign-in, which never fall back to the app.
    static func mayServe(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let path = request.uri.path
        return !["/api/", "/auth/", "/oauth/", "/.well-known/", "/internal/"].contains { path.hasPrefix($0) }
            && path != "/api" && path != "/auth"
    }

    func respond(to request: Request, context: AppContext) async throws -> Response {
        do {
            var response = try await files.handle(request, context: context) { _, _ in throw HTTPError(.notFound) }
            decorate(&response, request: request)
            return response
        } catch let error as any HTTPResponseError where error.status == .notFound {
            guard request.headers[.accept]?.contains("text/html") == true else { throw GatewayError.noRoute }
            var head = request.head
            head.path = "/index.html"
            let index = Request(head: head, body: request.body)
            do {
                var response = try await files.handle(index, context: context) { _, _ in throw HTTPError(.notFound) }
                decorate(&response, request: index)
                return response
            } catch let error as any HTTPResponseError where error.status == .notFound {
                throw GatewayError.noRoute
            }
        }
    }

    func decorate(_ response: inout Response, request: Request) {
        let name = request.uri.path.split(separator: "/").last.map(String.init) ?? "index.html"
        let isHTML = response.headers[.contentType]?.hasPrefix("text/html") ?? name.hasSuffix(".html")
            || request.uri.path.hasSuffix("/")
        if isHTML || ["sw.js", "manifest.webmanifest"].contains(name) || !Self.isVersioned(request) {
            response.headers[.cacheControl] = "no-cache"
        } else {
            response.headers[.cacheControl] = "public, max-age=31536000, immutable"
        }
        if isHTML {
            response.headers[.contentSecurityPolicy] = contentSecurityPolicy
            response.headers[.referrerPolicy] = "same-origin"
            response.headers[.xFrameOptions] = "DENY"
        }
        response.headers[.xContentTypeOptions] = "nosniff"
    }

    /// An asset whose URL changes when its content does: a `v` query or a hash in its name (`app-3F2A9C1B.js`).
    static func isVersioned(_ request: Request) -> Bool {
        if request.uri.queryParameters["v"].map({ !$0.isEmpty }) == true { return true }
        guard let name = request.uri.path.split(separator: "/").last else { return false }
        let stem = name.split(separator: ".").first ?? name
        guard let dash = stem.lastIndex(of: "-") else { return false }
        let hash = stem[stem.index(after: dash)...]
        return hash.count >= 8 && hash.utf8.allSatisfy { $0.isASCIIAlphanumeric }
            && hash.utf8.contains { (0x30...0x39).contains($0) }
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetragKernel
import Testing

@testable import Gateway

@Suite("The web app's files")
struct StaticFilesTests {
    /// A web root with an index page, a versioned script, a hashed asset and a service worker.
    static func webRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("assets"),
                                                withIntermediateDirectories: true)
        try Data("<!doctype html><title>SETRAG</title>".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("console.log(1)".utf8).write(to: root.appendingPathComponent("app.js"))
        try Data("self.x = 1".utf8).write(to: root.appendingPathComponent("sw.js"))
        try Data("body{}".utf8).write(to: root.appendingPathComponent("assets/app-3F2A9C1B.css"))
        return root.path
    }

    @Test("app routes a browser asks for get index.html with the security headers")
    func spaFallback() async throws {
        let root = try Self.webRoot()
        try await GatewayHarness.withGateway(["gateway.web_root": root]) { client, _ in
            for path in ["/", "/profile", "/signup", "/agent/counter"] {
                try await client.execute(uri: path, method: .get, headers: [.accept: "text/html,*/*"]) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(String(buffer: response.body).contains("<title>SETRAG</title>"))
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(response.headers[.cacheControl] == "no-cache")
                    let csp = try #require(response.headers[.contentSecurityPolicy])
                    #expect(csp.contains("default-src 'self'"))
                    #expect(csp.contains("img-src 'self' data: blob:"))
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.referrerPolicy] == "same-origin")
                    #expect(response.headers[.xFrameOptions] == "DENY")
                }
            }
            // Not a page: a missing asset is a 404 problem, not the app.
            try await client.execute(uri: "/missing.js", method: .get, headers: [.accept: "*/*"]) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            // An API path never falls back to the app.
            try await client.execute(uri: "/api/v1/unknown", method: .get, headers: [.accept: "text/html"]) {
                response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("versioned assets are cached for a year; the rest is revalidated")
    func cacheHeaders() async throws {
        let root = try Self.webRoot()
        try await GatewayHarness.withGateway(["gateway.web_root": root]) { client, _ in
            let expectations = [
                ("/app.js?v=20261201", "public, max-age=31536000, immutable"),
                ("/assets/app-3F2A9C1B.css", "public, max-age=31536000, immutable"),
                ("/app.js", "no-cache"),
                ("/sw.js", "no-cache"),
                ("/index.html", "no-cache"),
            ]
            for (path, cacheControl) in expectations {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.cacheControl] == cacheControl, "\(path)")
                    #expect(response.headers[.eTag] != nil)
                }
            }
        }
    }

    @Test("a tile server configured for the live map is allowed as an image source, and only it")
    func tilesOrigin() async throws {
        let root = try Self.webRoot()
        try await GatewayHarness.withGateway(["gateway.web_root": root,
                                              "gateway.map_tiles_origin": "https://tiles.example.ga"]) { client, _ in
            try await client.execute(uri: "/live", method: .get, headers: [.accept: "text/html"]) { response in
                let csp = try #require(response.headers[.contentSecurityPolicy])
                #expect(csp.contains("img-src 'self' data: blob: https://tiles.example.ga;"))
                // The live map's WebSocket, on the site's own origin.
                #expect(csp.contains("connect-src 'self' ws://127.0.0.1:8080;"))
            }
        }
        let settings = GatewayHarness.settings(upstream: "http://127.0.0.1:1",
                                               ["gateway.map_tiles_origin": "https://tiles.example.ga/{z}/{x}/{y}.png"])
        _ = GatewayConfiguration(settings)
        #expect(throws: (any Error).self) { try settings.validate() }
    }
}

import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What identity's token endpoint answers (RFC 6749 §5.1).
struct TokenResponse: Decodable, Sendable {
    var accessToken: String
    var tokenType: String
    var expiresIn: Int?
    var refreshToken: String?
    var refreshExpiresIn: Int?
    var idToken: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        case refreshToken = "refresh_token", refreshExpiresIn = "refresh_expires_in", idToken = "id_token"
    }
}

enum TokenEndpointError: Error, Equatable {
    /// Identity answered and said no (`invalid_grant`, a revoked or reused refresh token, a bad code).
    case refused(status: Int, error: String?)
    /// Identity could not be reached or gave no usable answer.
    case unavailable
}

/// The gateway as an OAuth client of identity (`gateway.oauth.client_id`), authenticating with HTTP Basic.
struct IdentityTokenClient: Sendable {
    let client: HTTPClient
    let identityURL: String
    let clientID: String
    let clientSecret: String
    let timeout: Duration

    func exchange(code: String, codeVerifier: String, redirectURI: String, logger: Logger)
        async throws(TokenEndpointError) -> TokenResponse
    {
        try await token(form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", codeVerifier),
        ], logger: logger)
    }

    func refresh(_ refreshToken: String, logger: Logger) async throws(TokenEndpointError) -> TokenResponse {
        try await token(form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], logger: logger)
    }

    /// Revokes a refresh token (RFC 7009); failures are logged, never shown: signing out always succeeds.
    func revoke(_ refreshToken: String, logger: Logger) async {
        do {
            let (status, _) = try await post("/oauth/revoke", form: [
                ("token", refreshToken), ("token_type_hint", "refresh_token"),
            ], logger: logger)
            if status != 200 { logger.warning("token revocation refused", metadata: ["status": "\(status)"]) }
        } catch {
            logger.warning("token revocation failed", metadata: ["error": "\(error)"])
        }
    }

    private func token(form: [(String, String)], logger: Logger) async throws(TokenEndpointError) -> TokenResponse {
        let status: Int
        let body: ByteBuffer
        do {
            (status, body) = try await post("/oauth/token", form: form, logger: logger)
        } catch {
            logger.warning("token endpoint unreachable", metadata: ["error": "\(error)"])
            throw .unavailable
        }
        let data = Data(buffer: body)
        guard status == 200 else {
            if status >= 500 { throw .unavailable }
            let error = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
            throw .refused(status: status, error: error)
        }
        guard let response = try? JSONDecoder().decode(TokenResponse.self, from: data),
              response.tokenType.lowercased() == "bearer" else {
            logger.error("token endpoint answered something unreadable")
            throw .unavailable
        }
        return response
    }

    private func post(_ path: String, form: [(String, String)], logger: Logger) async throws -> (Int, ByteBuffer) {
        var request = HTTPClientRequest(url: identityURL + path)
        request.method = .POST
        let credentials = Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds), logger: logger)
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), body)
    }

    static func formEncoded(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(formEscape($0.0))=\(formEscape($0.1))" }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func formEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}

/// Lets concurrent requests of one browser share a single refresh: with refresh-token rotation, a second refresh
/// with the same (now spent) token would be refused and could end the whole session. Results are kept briefly so
/// that requests which left the browser with the old cookie still get the new tokens.
actor RefreshCoordinator {
    private var running: [String: Task<Result<TokenResponse, TokenEndpointError>, Never>] = [:]
    private var recent: [String: (result: Result<TokenResponse, TokenEndpointError>, at: ContinuousClock.Instant)] = [:]
    private let keep: Duration

    init(keep: Duration = .seconds(30)) { self.keep = keep }

    func refresh(
        _ refreshToken: String, using perform: @escaping @Sendable () async -> Result<TokenResponse, TokenEndpointError>
    ) async -> Result<TokenResponse, TokenEndpointError> {
        let key = Data(SHA256.hash(data: Data(refreshToken.utf8))).base64EncodedString()
        let now = ContinuousClock.now
        recent = recent.filter { now - $0.value.at < keep }
        if let done = recent[key] { return done.result }
        if let task = running[key] { return await task.value }
        let task = Task { await perform() }
        running[key] = task
        let result = await task.value
        running[key] = nil
        if case .failure(.unavailable) = result {} else { recent[key] = (result, ContinuousClock.now) }
        return result
    }
}

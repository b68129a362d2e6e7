import Crypto
import Foundation
import Hummingbird
import SetragKernel

/// A browser's sign-in, kept by the gateway: the tokens never reach JavaScript. It travels sealed (AES-256-GCM) in
/// the HttpOnly cookie `setrag_session`; a cookie that does not open is treated as no session at all.
struct WebSession: Codable, Equatable, Sendable {
    var accessToken: String
    var refreshToken: String?
    /// When the access token expires (Unix seconds).
    var expiresAt: Int
    var subject: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "a", refreshToken = "r", expiresAt = "e", subject = "s"
    }

    /// Whether the access token should be renewed before use: it expires within `margin` seconds.
    func needsRefresh(now: Date, margin: Int = 30) -> Bool { expiresAt - Int(now.timeIntervalSince1970) <= margin }

    /// The caller as far as the gateway needs to know (quotas): the claims of the token, read without a signature
    /// check because the gateway received it from identity itself and kept it sealed since.
    var principal: Principal {
        if let claims = Self.claims(of: accessToken) { return claims.principal }
        return Principal(subject: subject, kind: .user, clientID: "", roles: [], scopes: [], tokenID: "")
    }

    static func claims(of token: String) -> AccessTokenClaims? {
        guard let payload = Self.payload(of: token) else { return nil }
        return try? JSONDecoder().decode(AccessTokenClaims.self, from: payload)
    }

    /// The middle part of a JWT, decoded.
    static func payload(of token: String) -> Data? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return Data(base64URLEncoded: String(parts[1]))
    }
}

/// One sign-in in progress: what `/auth/login` sent to identity and `/auth/callback` must see again. Sealed in the
/// short-lived cookie `setrag_auth`.
struct SignInAttempt: Codable, Equatable, Sendable {
    var state: String
    var codeVerifier: String
    var nonce: String
    var returnTo: String
    /// Unix seconds.
    var startedAt: Int

    enum CodingKeys: String, CodingKey {
        case state = "s", codeVerifier = "v", nonce = "n", returnTo = "r", startedAt = "t"
    }

    static let lifetime = 600
}

/// Seals values into cookie-safe text with AES-256-GCM. The cookie's name is the associated data, so a value
/// sealed for one cookie does not open as another.
struct CookieSealer: Sendable {
    let key: SymmetricKey
    static let version = "1."

    func seal(_ value: some Encodable, for name: String) -> String {
        let plain = (try? JSONEncoder().encode(value)) ?? Data()
        guard let box = try? AES.GCM.seal(plain, using: key, authenticating: Data(name.utf8)),
              let combined = box.combined else { return "" }
        return Self.version + combined.base64URLEncodedString()
    }

    func open<T: Decodable>(_ text: String, as type: T.Type, for name: String) -> T? {
        guard text.hasPrefix(Self.version), text.count < 8192,
              let combined = Data(base64URLEncoded: String(text.dropFirst(Self.version.count))),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Data(name.utf8)) else { return nil }
        return try? JSONDecoder().decode(T.self, from: plain)
    }
}

/// The gateway's cookies and how each is written.
struct GatewayCookies: Sendable {
    static let session = "setrag_session"
    static let signIn = "setrag_auth"
    static let csrf = "setrag_csrf"
    static let language = "setrag_lang"
    /// Cookies that stay at the gateway and are never forwarded to services.
    static let ownNames = [session, signIn, csrf]

    let sealer: CookieSealer
    let secure: Bool

    init(configuration: GatewayConfiguration) {
        sealer = CookieSealer(key: configuration.sessionKey)
        secure = configuration.secureCookies
    }

    func session(from request: Request) -> WebSession? {
        session(cookieHeaders: request.headers[values: .cookie])
    }

    func session(cookieHeaders: [String]) -> WebSession? {
        guard let value = Cookies(from: cookieHeaders)[Self.session]?.value else { return nil }
        return sealer.open(value, as: WebSession.self, for: Self.session)
    }

    func signInAttempt(from request: Request) -> SignInAttempt? {
        guard let value = request.cookies[Self.signIn]?.value else { return nil }
        return sealer.open(value, as: SignInAttempt.self, for: Self.signIn)
    }

    func sessionCookie(_ session: WebSession, maxAge: Int) -> Cookie {
        Cookie(name: Self.session, value: sealer.seal(session, for: Self.session), maxAge: maxAge, path: "/",
               secure: secure, httpOnly: true, sameSite: .lax)
    }

    func signInCookie(_ attempt: SignInAttempt) -> Cookie {
        Cookie(name: Self.signIn, value: sealer.seal(attempt, for: Self.signIn), maxAge: SignInAttempt.lifetime,
               path: "/auth", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func csrfCookie(_ token: String) -> Cookie {
        Cookie(name: Self.csrf, value: token, path: "/", secure: secure, httpOnly: false, sameSite: .lax)
    }

    var clearedSession: Cookie {
        Cookie(name: Self.session, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    var clearedSignIn: Cookie {
        Cookie(name: Self.signIn, value: "", maxAge: 0, path: "/auth", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A random token in base64url: `bytes` bytes of entropy.
    static func randomToken(bytes: Int = 32) -> String {
        Data(randomBytes(bytes)).base64URLEncodedString()
    }
}

extension HTTPFields {
    mutating func setCookie(_ cookie: Cookie) { append(HTTPField(name: .setCookie, value: cookie.description)) }
}

import Crypto
import Foundation
import Logging
import SetragKernel
import SetragTesting
import Testing

/// Signs tokens the way identity does (Ed25519) so that each bad claim is the only thing wrong with a token.
struct Signer {
    let key = Curve25519.Signing.PrivateKey()
    let kid: String

    var jwks: String {
        let x = key.publicKey.rawRepresentation.base64URLEncodedString()
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"\#(kid)","x":"\#(x)"}]}"#
    }

    func token(header: [String: Any]? = nil, claims: [String: Any]) throws -> String {
        let header = header ?? ["alg": "EdDSA", "typ": "at+jwt", "kid": kid]
        let h = try JSONSerialization.data(withJSONObject: header).base64URLEncodedString()
        let p = try JSONSerialization.data(withJSONObject: claims).base64URLEncodedString()
        let signature = try key.signature(for: Data("\(h).\(p)".utf8))
        return "\(h).\(p).\(Data(signature).base64URLEncodedString())"
    }
}

func claims(_ changes: [String: Any] = [:]) -> [String: Any] {
    let now = Int(Date().timeIntervalSince1970)
    var claims: [String: Any] = [
        "iss": "https://setrag.test", "sub": "usr_1", "aud": ["setrag-api"], "exp": now + 300, "iat": now,
        "nbf": now, "jti": "at_1", "client_id": "web", "roles": ["customer"],
    ]
    for (key, value) in changes { claims[key] = value }
    return claims
}

@Suite struct TokenVerifierTests {
    let signer = Signer(kid: "k1")

    func verifier(_ jwks: @escaping @Sendable () -> String) -> AccessTokenVerifier {
        AccessTokenVerifier(issuer: "https://setrag.test", audience: "setrag-api", logger: TestEnvironment.logger,
                            refetchInterval: .zero) { jwks() }
    }

    @Test func aGoodTokenGivesItsCaller() async throws {
        let jwks = signer.jwks
        let claims = try await verifier { jwks }.verify(try signer.token(claims: claims()))
        #expect(claims.principal.subject == "usr_1")
        #expect(claims.principal.roles == [.customer])
        #expect(claims.principal.has(.bookingsOwn))
        #expect(!claims.principal.has(.counterSell))
    }

    @Test func everyForgedOrWrongTokenIsRefused() async throws {
        let jwks = signer.jwks
        let v = verifier { jwks }
        let now = Int(Date().timeIntervalSince1970)
        let good = try signer.token(claims: claims())
        let parts = good.split(separator: ".").map(String.init)
        let none = try JSONSerialization.data(withJSONObject: ["alg": "none", "typ": "at+jwt", "kid": "k1"])
            .base64URLEncodedString() + "." + parts[1] + "."
        // HS256 keyed with the public key: the classic algorithm-confusion attack.
        let hsHeader = try JSONSerialization.data(withJSONObject: ["alg": "HS256", "typ": "at+jwt", "kid": "k1"])
            .base64URLEncodedString()
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(hsHeader).\(parts[1])".utf8), using: SymmetricKey(data: signer.key.publicKey.rawRepresentation))
        let hs256 = "\(hsHeader).\(parts[1]).\(Data(mac).base64URLEncodedString())"
        var flipped = Array(parts[2])
        flipped[5] = flipped[5] == "A" ? "B" : "A"
        let stranger = Signer(kid: "k1")
        let cases: [(String, TokenRejection)] = [
            (none, .algorithmNotAllowed),
            (hs256, .algorithmNotAllowed),
            (try signer.token(header: ["alg": "EdDSA", "typ": "JWT", "kid": "k1"], claims: claims()), .wrongType),
            (try signer.token(header: ["alg": "EdDSA", "kid": "k1"], claims: claims()), .wrongType),
            (try signer.token(header: ["alg": "EdDSA", "typ": "at+jwt", "kid": "k9"], claims: claims()), .unknownKey),
            (try signer.token(claims: claims(["aud": ["other-api"]])), .wrongAudience),
            (try signer.token(claims: claims(["iss": "https://evil.example"])), .wrongIssuer),
            (try signer.token(claims: claims(["exp": now - 1])), .expired),
            (try signer.token(claims: claims(["nbf": now + 3600])), .expired),
            (parts[0] + "." + parts[1] + "." + String(flipped), .badSignature),
            (try stranger.token(claims: claims()), .badSignature),
            ("garbage", .malformed),
            (String(repeating: "a", count: 10_000), .malformed),
        ]
        for (token, expected) in cases {
            await #expect(throws: expected) { try await v.verify(token) }
        }
    }

    @Test func unknownKeysAreFetchedAtMostOncePerInterval() async throws {
        let first = Signer(kid: "k1")
        let second = Signer(kid: "k2")
        let current = LockedBox(first.jwks)
        let v = AccessTokenVerifier(issuer: "https://setrag.test", audience: "setrag-api", logger: TestEnvironment.logger,
                                    refetchInterval: .seconds(60)) { current.value }
        _ = try await v.verify(try first.token(claims: claims()))
        current.value = second.jwks
        // A flood of unknown key ids does not make the verifier hammer identity.
        await #expect(throws: TokenRejection.unknownKey) { try await v.verify(try second.token(claims: claims())) }
    }

    /// After a restart the cache is empty and many requests arrive at once: all wait for the one fetch of the keys
    /// and are accepted (none is refused because another request's fetch is still out).
    @Test func aBurstOfRequestsOnAnEmptyCacheWaitsForOneFetch() async throws {
        let signer = Signer(kid: "k1")
        let fetches = Counter()
        let jwks = signer.jwks
        let v = AccessTokenVerifier(issuer: "https://setrag.test", audience: "setrag-api", logger: TestEnvironment.logger,
                                    refetchInterval: .seconds(60)) {
            await fetches.increment()
            try await Task.sleep(for: .milliseconds(200))
            return jwks
        }
        let token = try signer.token(claims: claims())
        let subjects = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask { try await v.verify(token).sub }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(subjects == Array(repeating: "usr_1", count: 50))
        #expect(await fetches.value == 1)
    }

    @Test func aRotatedKeyIsFetchedWhenATokenNamesIt() async throws {
        let first = Signer(kid: "k1")
        let second = Signer(kid: "k2")
        let current = LockedBox(first.jwks)
        let v = verifier { current.value }
        _ = try await v.verify(try first.token(claims: claims()))
        current.value = second.jwks
        _ = try await v.verify(try second.token(claims: claims()))
    }
}

final class LockedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: String
    init(_ value: String) { _value = value }
    var value: String {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

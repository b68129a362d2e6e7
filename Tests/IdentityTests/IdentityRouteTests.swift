import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Identity

/// Identity through its real router, against a fresh database on the real MariaDB.
struct IdentityFixture {
    let db: TestDatabase
    let parts: IdentityModule.Parts
    let app: Application<RouterResponder<AppContext>>
    static let redirectURI = "http://127.0.0.1:18080/auth/callback"
    static let clientSecret = "web-client-secret-for-tests"

    static func make() async throws -> IdentityFixture {
        let db = try await TestEnvironment.freshDatabase("identity")
        try await db.migrate(IdentityModule.definition.migrations)
        let settings = TestEnvironment.settings(["identity.signin_max_per_account": "3",
                                                 "identity.key_activation_delay": "0"])
        let options = IdentityModule.Options(settings)
        let kernel = KernelSettings(settings)
        try settings.validate()
        let parts = IdentityModule.parts(database: db.pool, options: options, kernel: kernel,
                                         logger: TestEnvironment.logger)
        try await parts.keys.rotateIfDue()
        try await parts.store.saveClient(ClientRecord(
            id: "web", name: "web", kind: .confidential, secretHash: try await parts.accounts.hashPassword(clientSecret),
            redirectURIs: [redirectURI], grantTypes: ["authorization_code", "refresh_token"], roles: [],
            organisationID: nil, createdAt: Date(), createdBy: nil, revoked: false))
        let context = TestEnvironment.moduleContext(name: "identity", settings: settings, database: db.pool)
        let router = IdentityModule.buildRouter(parts: parts, context: context)
        return IdentityFixture(db: db, parts: parts, app: Application(router: router))
    }

    /// An access token for `user`, as the web client would get it.
    func accessToken(for user: UserRecord) async throws -> String {
        let client = try #require(try await parts.store.client(id: "web"))
        return try await parts.server.issueTokens(
            subject: user.id, roles: user.roles, client: client, scope: "", familyID: nil, withRefresh: false,
            now: Date()).access_token
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await app.test(.router) { client in try await test(client) }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }
}

func json(_ object: Any) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

func decode(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any]) ?? [:]
}

func form(_ values: [String: String]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return ByteBuffer(string: values.map {
        "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
    }.joined(separator: "&"))
}

let jsonHeaders: HTTPFields = [.contentType: "application/json"]
let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

func basic(_ id: String, _ secret: String) -> String {
    "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
}

/// Signs up, signs in through the HTML form, and returns the code's token response.
func signInWithPKCE(_ client: any TestClientProtocol, username: String, password: String, verifier: String)
    async throws -> (status: HTTPResponse.Status, location: String?)
{
    let challenge = PKCE.challenge(for: verifier)
    let query = "response_type=code&client_id=web&redirect_uri=\(IdentityFixture.redirectURI)"
        + "&code_challenge=\(challenge)&code_challenge_method=S256&state=xyz&scope=openid"
    let page = try await client.execute(uri: "/oauth/authorize?\(query)", method: .get)
    #expect(page.status == .ok)
    let html = String(buffer: page.body)
    let csrf = try #require(html.firstMatch(of: /name="csrf" value="([^"]+)"/)).1
    var fields = [
        "response_type": "code", "client_id": "web", "redirect_uri": IdentityFixture.redirectURI,
        "code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz", "scope": "openid",
        "csrf": String(csrf), "username": username, "password": password,
    ]
    fields["lang"] = "fr"
    var headers = formHeaders
    headers[.cookie] = "setrag_login_csrf=\(csrf)"
    let response = try await client.execute(uri: "/oauth/authorize", method: .post, headers: headers, body: form(fields))
    return (response.status, response.headers[.location])
}

@Suite(.serialized) struct IdentityRouteTests {
    @Test func signUpRejectsBadInputWithProblems() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            let cases: [(ByteBuffer, HTTPFields, HTTPResponse.Status)] = [
                (ByteBuffer(string: "{not json"), jsonHeaders, .badRequest),
                (json(["displayName": "Awa", "username": "077123456", "password": "un mot de passe sûr"]),
                 [.contentType: "text/plain"], .unsupportedMediaType),
                (json(["displayName": "Awa", "username": "077123456"]), jsonHeaders, .unprocessableContent),
                (json(["displayName": 42, "username": "077123456", "password": "un mot de passe sûr"]), jsonHeaders,
                 .unprocessableContent),
                (json(["displayName": "Awa", "username": "077123456", "password": "un mot de passe sûr", "admin": true]),
                 jsonHeaders, .unprocessableContent),
                (ByteBuffer(string: "[1,2]"), jsonHeaders, .badRequest),
                (ByteBuffer(bytes: [UInt8](repeating: 0x20, count: 2 << 20)), jsonHeaders, .contentTooLarge),
            ]
            for (body, headers, status) in cases {
                let response = try await client.execute(uri: "/api/v1/users", method: .post, headers: headers, body: body)
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(decode(response.body)["type"] as? String != nil)
            }
            let response = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: jsonHeaders,
                body: json(["displayName": String(repeating: "é", count: 81), "username": "081234567",
                            "password": "azerty123"]))
            #expect(response.status == .unprocessableContent)
            let errors = (decode(response.body)["errors"] as? [[String: Any]] ?? []).map {
                "\($0["field"]!):\($0["code"]!)"
            }
            #expect(Set(errors) == ["displayName:too-long", "username:invalid-email-or-phone", "password:common-password"])
            let missing = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func signUpStoresPersonalDataEncryptedAndRefusesDuplicates() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            let body = json(["displayName": "Awa Ndong 🚆", "username": "+241 77 12 34 56",
                             "password": "Le Transgabonais'; DROP TABLE users;--"])
            let created = try await client.execute(uri: "/api/v1/users", method: .post, headers: jsonHeaders, body: body)
            #expect(created.status == .created)
            let user = decode(created.body)
            #expect(user["phone"] as? String == "+24177123456")
            #expect(user["displayName"] as? String == "Awa Ndong 🚆")
            #expect(user["roles"] as? [String] == ["customer"])
            let again = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: jsonHeaders,
                body: json(["displayName": "Autre", "username": "077123456", "password": "un autre mot de passe"]))
            #expect(again.status == .conflict)
            #expect(decode(again.body)["type"] as? String == "https://setrag.ga/problems/already-exists")
            struct Raw: Decodable { let display_name_enc: Data; let phone_enc: Data?; let password_hash: String }
            let raw = try #require(try await fixture.db.pool.raw("SELECT display_name_enc, phone_enc, password_hash FROM users")
                .first(decoding: Raw.self))
            #expect(!String(decoding: raw.display_name_enc, as: UTF8.self).contains("Awa"))
            #expect(!String(decoding: raw.phone_enc ?? Data(), as: UTF8.self).contains("77123456"))
            #expect(raw.password_hash.hasPrefix("$2"))
        }
    }

    @Test func authorizationCodeWithPKCEThenRefreshRotationAndReuse() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            let password = "un mot de passe pour Lopé"
            _ = try await client.execute(uri: "/api/v1/users", method: .post, headers: jsonHeaders,
                                         body: json(["displayName": "Jean", "username": "jean@example.ga",
                                                     "password": password]))
            let verifier = String(repeating: "v", count: 50)
            let signIn = try await signInWithPKCE(client, username: "JEAN@example.ga", password: password,
                                                  verifier: verifier)
            #expect(signIn.status == .seeOther)
            let location = try #require(signIn.location)
            #expect(location.hasPrefix(IdentityFixture.redirectURI + "?"))
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
            #expect(URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value == "xyz")

            var tokenHeaders = formHeaders
            tokenHeaders[.authorization] = basic("web", IdentityFixture.clientSecret)
            let wrongVerifier = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "authorization_code", "code": code, "redirect_uri": IdentityFixture.redirectURI,
                            "code_verifier": String(repeating: "w", count: 50)]))
            #expect(wrongVerifier.status == .badRequest)
            #expect(decode(wrongVerifier.body)["error"] as? String == "invalid_grant")

            // The failed attempt used the code: a second exchange is a replay and is refused.
            let replay = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "authorization_code", "code": code, "redirect_uri": IdentityFixture.redirectURI,
                            "code_verifier": verifier]))
            #expect(decode(replay.body)["error"] as? String == "invalid_grant")

            // A fresh sign-in, used properly.
            let second = try await signInWithPKCE(client, username: "jean@example.ga", password: password,
                                                  verifier: verifier)
            let code2 = try #require(URLComponents(string: second.location ?? "")?.queryItems?.first { $0.name == "code" }?.value)
            let tokens = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "authorization_code", "code": code2, "redirect_uri": IdentityFixture.redirectURI,
                            "code_verifier": verifier]))
            #expect(tokens.status == .ok)
            let t1 = decode(tokens.body)
            let access = try #require(t1["access_token"] as? String)
            let refresh = try #require(t1["refresh_token"] as? String)

            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(access)"])
            #expect(me.status == .ok)
            #expect(decode(me.body)["email"] as? String == "jean@example.ga")

            let rotated = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "refresh_token", "refresh_token": refresh]))
            #expect(rotated.status == .ok)
            let refresh2 = try #require(decode(rotated.body)["refresh_token"] as? String)
            #expect(refresh2 != refresh)

            // The old refresh token comes back: the whole family is revoked, the new one too.
            let reuse = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "refresh_token", "refresh_token": refresh]))
            #expect(decode(reuse.body)["error"] as? String == "invalid_grant")
            let afterReuse = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                body: form(["grant_type": "refresh_token", "refresh_token": refresh2]))
            #expect(decode(afterReuse.body)["error"] as? String == "invalid_grant")
            let introspect = try await client.execute(uri: "/oauth/introspect", method: .post, headers: tokenHeaders,
                body: form(["token": access]))
            #expect(decode(introspect.body)["active"] as? Bool == false)

            let audit = try await fixture.parts.store.auditEntries(limit: 50, actor: nil).map(\.action)
            #expect(audit.filter { $0 == "sign_in" }.count == 2)
        }
    }

    @Test func implicitAndPasswordGrantsAndUnregisteredRedirectsAreRefused() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            let challenge = PKCE.challenge(for: String(repeating: "a", count: 43))
            let implicit = try await client.execute(
                uri: "/oauth/authorize?response_type=token&client_id=web&redirect_uri=\(IdentityFixture.redirectURI)"
                    + "&code_challenge=\(challenge)&code_challenge_method=S256&state=s", method: .get)
            #expect(implicit.status == .found)
            #expect(implicit.headers[.location]?.contains("error=unsupported_response_type") == true)
            let plain = try await client.execute(
                uri: "/oauth/authorize?response_type=code&client_id=web&redirect_uri=\(IdentityFixture.redirectURI)"
                    + "&code_challenge=\(challenge)&code_challenge_method=plain", method: .get)
            #expect(plain.headers[.location]?.contains("error=invalid_request") == true)
            let otherRedirect = try await client.execute(
                uri: "/oauth/authorize?response_type=code&client_id=web&redirect_uri=\(IdentityFixture.redirectURI)/x"
                    + "&code_challenge=\(challenge)&code_challenge_method=S256", method: .get)
            #expect(otherRedirect.status == .badRequest)
            #expect(otherRedirect.headers[.location] == nil)
            var headers = formHeaders
            headers[.authorization] = basic("web", IdentityFixture.clientSecret)
            let password = try await client.execute(uri: "/oauth/token", method: .post, headers: headers,
                body: form(["grant_type": "password", "username": "a@b.ga", "password": "x"]))
            #expect(decode(password.body)["error"] as? String == "unsupported_grant_type")
            headers[.authorization] = basic("web", "wrong")
            let wrongSecret = try await client.execute(uri: "/oauth/token", method: .post, headers: headers,
                body: form(["grant_type": "refresh_token", "refresh_token": "x"]))
            #expect(wrongSecret.status == .unauthorized)
            let anonymousIntrospection = try await client.execute(uri: "/oauth/introspect", method: .post,
                headers: formHeaders, body: form(["token": "x"]))
            #expect(anonymousIntrospection.status == .unauthorized)
        }
    }

    @Test func signInIsThrottledPerAccountAndAudited() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            _ = try await client.execute(uri: "/api/v1/users", method: .post, headers: jsonHeaders,
                                         body: json(["displayName": "Paul", "username": "066001122",
                                                     "password": "le bon mot de passe"]))
            let verifier = String(repeating: "p", count: 44)
            for _ in 0..<3 {
                let attempt = try await signInWithPKCE(client, username: "066001122", password: "mauvais mot de passe",
                                                       verifier: verifier)
                #expect(attempt.status == .unauthorized)
            }
            let throttled = try await signInWithPKCE(client, username: "066001122", password: "le bon mot de passe",
                                                     verifier: verifier)
            #expect(throttled.status == .tooManyRequests)
            let actions = try await fixture.parts.store.auditEntries(limit: 20, actor: nil).map(\.action)
            #expect(actions.filter { $0 == "sign_in_failed" }.count == 3)
            #expect(actions.contains("sign_in_throttled"))
        }
    }

    @Test func rolesChangeOnlyByAdminsAndIsAudited() async throws {
        let fixture = try await IdentityFixture.make()
        try await fixture.run { client in
            let admin = try await fixture.parts.accounts.signUp(
                .init(displayName: "Admin", username: "admin@example.ga", password: "phrase de passe admin"),
                roles: [.admin])
            let customer = try await fixture.parts.accounts.signUp(
                .init(displayName: "Cli", username: "cli@example.ga", password: "phrase de passe client"))
            let body = json(["roles": ["agent"]])
            var headers = jsonHeaders
            headers[.authorization] = "Bearer \(try await fixture.accessToken(for: customer))"
            let refused = try await client.execute(uri: "/api/v1/users/\(admin.id)/roles", method: .put,
                                                   headers: headers, body: body)
            #expect(refused.status == .forbidden)
            headers[.authorization] = "Bearer \(try await fixture.accessToken(for: admin))"
            let done = try await client.execute(uri: "/api/v1/users/\(customer.id)/roles", method: .put,
                                                headers: headers, body: body)
            #expect(done.status == .ok)
            #expect(decode(done.body)["roles"] as? [String] == ["agent"])
            let unknown = try await client.execute(uri: "/api/v1/users/\(customer.id)/roles", method: .put,
                                                   headers: headers, body: json(["roles": ["king"]]))
            #expect(unknown.status == .unprocessableContent)
            let entry = try #require(try await fixture.parts.store.auditEntries(limit: 5, actor: admin.id).first)
            #expect(entry.action == "role_change")
            #expect(entry.target == customer.id)
            let created = try await client.execute(uri: "/api/v1/clients", method: .post, headers: headers,
                                                   body: json(["name": "Scierie de Booué", "roles": ["b2b_member"]]))
            #expect(created.status == .created)
            let machine = decode(created.body)
            let id = try #require(machine["clientId"] as? String)
            let secret = try #require(machine["clientSecret"] as? String)
            var tokenHeaders = formHeaders
            tokenHeaders[.authorization] = basic(id, secret)
            let cc = try await client.execute(uri: "/oauth/token", method: .post, headers: tokenHeaders,
                                              body: form(["grant_type": "client_credentials"]))
            #expect(cc.status == .ok)
            #expect(decode(cc.body)["refresh_token"] == nil)
            #expect(try await fixture.parts.store.auditEntries(limit: 5, actor: admin.id).first?.action == "client_created")
        }
    }
}

@Suite struct AuthorizeQueryTests {
    @Test func plusInTheQueryIsASpaceAndRepeatsAreRefused() {
        #expect(FormParser.parse("scope=openid+profile&state=a%2Bb") == ["scope": "openid profile", "state": "a+b"])
        #expect(FormParser.parse("client_id=a&client_id=b") == nil)
    }
}

/// The key ids of a JWK set.
func publishedKeyIDs(_ jwks: String) -> Set<String> {
    let object = try? JSONSerialization.jsonObject(with: Data(jwks.utf8)) as? [String: Any]
    return Set(((object?["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String })
}

/// The `kid` in a JWT's header.
func keyID(of token: String) -> String? {
    let header = Data(base64URLEncoded: String(token.split(separator: ".")[0]))
    return (try? JSONSerialization.jsonObject(with: header ?? Data()) as? [String: Any])?["kid"] as? String
}

@Suite(.serialized) struct KeyRotationTests {
    @Test func rotatedKeysStayPublishedSoEarlierTokensStillVerify() async throws {
        let fixture = try await IdentityFixture.make()
        let user = try await fixture.parts.accounts.signUp(
            .init(displayName: "Ida", username: "ida@example.ga", password: "phrase de passe d'Ida"))
        let before = try await fixture.accessToken(for: user)
        #expect(try await fixture.parts.keys.rotateIfDue() == false)
        #expect(try await fixture.parts.keys.rotateIfDue(force: true))
        let after = try await fixture.accessToken(for: user)
        let kids = publishedKeyIDs(await fixture.parts.keys.jwks())
        #expect(kids.count == 2)
        #expect(keyID(of: before) != keyID(of: after))
        #expect(kids == [keyID(of: before), keyID(of: after)])
        #expect(try await fixture.parts.verifier.verify(before).sub == user.id)
        #expect(try await fixture.parts.verifier.verify(after).sub == user.id)
        await fixture.db.drop()
    }
}

extension KeyRotationTests {
    @Test func aNewKeyIsPublishedBeforeItSigns() async throws {
        let fixture = try await IdentityFixture.make()
        let ring = KeyRing(store: fixture.parts.store, rotationInterval: 86_400, retiredKeyGrace: 3600,
                           activationDelay: 3600, logger: TestEnvironment.logger)
        try await ring.load()
        let claims = AccessTokenClaims(iss: "i", sub: "s", aud: ["a"], exp: Int(Date().timeIntervalSince1970) + 60,
                                       iat: 0, nbf: nil, jti: "j", clientID: "c", scope: nil, roles: [])
        let before = keyID(of: try await ring.sign(claims))
        #expect(try await ring.rotateIfDue(force: true))
        #expect(publishedKeyIDs(await ring.jwks()).count == 2)
        #expect(keyID(of: try await ring.sign(claims)) == before)
        await fixture.db.drop()
    }
}

@Suite(.serialized) struct SessionExpiryTests {
    @Test func aRefreshFamilyEndsAtItsAbsoluteExpiryHoweverOftenItRotates() async throws {
        let fixture = try await IdentityFixture.make()
        let user = try await fixture.parts.accounts.signUp(
            .init(displayName: "Eva", username: "eva@example.ga", password: "phrase de passe d'Eva"))
        let client = try #require(try await fixture.parts.store.client(id: "web"))
        let verifier = String(repeating: "e", count: 48)
        let request = AuthorizationServer.AuthorizationRequest(
            client: client, redirectURI: IdentityFixture.redirectURI, state: nil,
            codeChallenge: PKCE.challenge(for: verifier), scope: "")
        let code = try await fixture.parts.server.issueCode(for: request, user: user)
        let first = try await fixture.parts.server.token(
            form: ["grant_type": "authorization_code", "code": code, "redirect_uri": IdentityFixture.redirectURI,
                   "code_verifier": verifier], client: client)
        let second = try await fixture.parts.server.token(
            form: ["grant_type": "refresh_token", "refresh_token": try #require(first.refresh_token)], client: client)
        // The family's absolute end passes (as if 30 days had gone by).
        _ = try await fixture.db.pool.exec(SQLRaw("UPDATE token_families SET expires_at = '2020-01-01 00:00:00'"))
        await #expect(throws: OAuthError.self) {
            _ = try await fixture.parts.server.token(
                form: ["grant_type": "refresh_token", "refresh_token": second.refresh_token ?? ""], client: client)
        }
        await fixture.db.drop()
    }
}

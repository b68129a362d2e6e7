import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SetragKernel

/// Identity's HTTP surface: sign-up and profile, the OAuth endpoints, the sign-in page, machine clients, roles,
/// audit. Handlers stay thin; the rules live in `Accounts` and `AuthorizationServer`.
struct IdentityRoutes: Sendable {
    let accounts: Accounts
    let server: AuthorizationServer
    let keys: KeyRing
    let store: any IdentityStore
    let verifier: AccessTokenVerifier
    let secureCookies: Bool

    struct UserJSON: Encodable, Sendable {
        let id: String
        let displayName: String
        let email: String?
        let phone: String?
        let roles: [String]
        let createdAt: Date

        init(_ user: UserRecord) {
            id = user.id
            displayName = user.displayName
            email = user.email
            phone = user.phone
            roles = user.roles.sorted().map(\.rawValue)
            createdAt = user.createdAt
        }
    }

    func register(on router: Router<AppContext>) {
        router.post("/api/v1/users") { request, context in
            let body = try await request.decodeJSON(as: Accounts.SignUp.self, context: context)
            let user = try await accounts.signUp(body)
            return JSONResponse(UserJSON(user), status: .created,
                                headers: [.location: "/api/v1/users/\(user.id)"])
        }
        router.get("/api/v1/me") { _, context in
            let principal = try context.require(.profileRead)
            guard principal.kind == .user, let user = try await store.user(id: principal.subject) else {
                throw ProblemError.notFound("This token does not belong to a user")
            }
            return JSONResponse(UserJSON(user))
        }
        router.put("/api/v1/users/:id/roles") { request, context in
            let actor = try context.require(.rolesAssign)
            let id = try context.parameters.require("id")
            let body = try await request.decodeJSON(as: RolesBody.self, context: context)
            let unknown = body.roles.filter { Role(rawValue: $0) == nil }
            guard unknown.isEmpty else { throw IdentityError.invalidRoles(unknown) }
            guard let user = try await store.user(id: id) else { throw IdentityError.userNotFound }
            let roles = Set(body.roles.compactMap(Role.init(rawValue:)))
            try await store.setRoles(userID: id, roles: roles, by: actor.subject)
            try await store.audit(AuditEntry(
                at: Date(), actor: actor.subject, action: "role_change", target: id, address: context.clientAddress,
                requestId: context.requestID,
                details: "\(user.roles.sorted().map(\.rawValue).joined(separator: " ")) -> \(body.roles.sorted().joined(separator: " "))"))
            var updated = user
            updated.roles = roles
            return JSONResponse(UserJSON(updated))
        }
        router.post("/api/v1/clients") { request, context in
            let actor = try context.require(.machineClientsManage)
            let body = try await request.decodeJSON(as: ClientBody.self, context: context)
            let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...120).contains(name.count) else {
                throw ProblemError.validation([.init(field: "name", code: name.isEmpty ? "required" : "too-long")])
            }
            let requested = body.roles ?? ["b2b_member"]
            let roles = Set(requested.compactMap(Role.init(rawValue:)))
            guard roles.count == Set(requested).count else {
                throw IdentityError.invalidRoles(requested.filter { Role(rawValue: $0) == nil })
            }
            // An organisation's administrator may only create clients acting as its members.
            if !actor.roles.contains(.admin), !roles.isSubset(of: [.b2bMember]) {
                throw ProblemError.forbidden("Only administrators may give a client these roles")
            }
            let secret = Random.token(32)
            let client = ClientRecord(
                id: Random.id("cli"), name: name, kind: .confidential, secretHash: try await accounts.hashPassword(secret),
                redirectURIs: [], grantTypes: ["client_credentials"], roles: roles, organisationID: nil,
                createdAt: Date(), createdBy: actor.subject, revoked: false)
            try await store.saveClient(client)
            try await store.audit(AuditEntry(
                at: Date(), actor: actor.subject, action: "client_created", target: client.id,
                address: context.clientAddress, requestId: context.requestID,
                details: "roles: \(roles.sorted().map(\.rawValue).joined(separator: " "))"))
            return JSONResponse(CreatedClient(clientId: client.id, clientSecret: secret, name: name,
                                              roles: roles.sorted().map(\.rawValue)), status: .created)
        }
        router.get("/api/v1/audit") { request, context in
            _ = try context.require(.auditRead)
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            let actor = request.uri.queryParameters.get("actor")
            return JSONResponse(try await store.auditEntries(limit: limit, actor: actor))
        }

        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: IdentityOpenAPI.document)))
        }
        // Constant for the life of the process: serialised once.
        let metadata = jsonResponse(server.metadata)
        router.get("/.well-known/oauth-authorization-server") { _, _ in metadata }
        router.get("/.well-known/jwks.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: await keys.jwks())))
        }
        router.get("/oauth/authorize") { request, context in
            try await showAuthorize(request: request, context: context)
        }
        router.post("/oauth/authorize") { request, context in
            try await submitAuthorize(request: request, context: context)
        }
        router.post("/oauth/token") { request, context in
            await oauth {
                let form = try await readForm(request, context: context)
                let client = try await server.authenticateClient(
                    authorization: request.headers[.authorization], form: form)
                return jsonResponse(try encodeObject(try await server.token(form: form, client: client)))
            }
        }
        router.post("/oauth/introspect") { request, context in
            await oauth {
                let form = try await readForm(request, context: context)
                let client = try await server.authenticateClient(
                    authorization: request.headers[.authorization], form: form)
                guard client.kind == .confidential else { throw OAuthError.invalidClient("Introspection needs a confidential client") }
                guard let token = form["token"] else { throw OAuthError.invalidRequest("token is required") }
                return jsonResponse(try await server.introspect(token: token, verifier: verifier))
            }
        }
        router.post("/oauth/revoke") { request, context in
            await oauth {
                let form = try await readForm(request, context: context)
                let client = try await server.authenticateClient(
                    authorization: request.headers[.authorization], form: form)
                guard let token = form["token"] else { throw OAuthError.invalidRequest("token is required") }
                try await server.revoke(token: token, client: client, verifier: verifier)
                return Response(status: .ok, headers: [.cacheControl: "no-store"])
            }
        }
    }

    struct RolesBody: JSONRequestBody {
        static let fields: Set<String> = ["roles"]
        let roles: [String]
    }

    struct ClientBody: JSONRequestBody {
        static let fields: Set<String> = ["name", "roles"]
        let name: String
        let roles: [String]?
    }

    struct CreatedClient: Encodable, Sendable {
        let clientId: String
        let clientSecret: String
        let name: String
        let roles: [String]
    }

    // MARK: OAuth plumbing

    func oauth(_ body: () async throws -> Response) async -> Response {
        do {
            var response = try await body()
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as OAuthError {
            var response = jsonResponse(["error": error.code, "error_description": error.description],
                                        status: error.status)
            response.headers[.cacheControl] = "no-store"
            if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"setrag\"" }
            return response
        } catch {
            return jsonResponse(["error": "server_error", "error_description": "Try again later"],
                                status: .internalServerError)
        }
    }

    func readForm(_ request: Request, context: AppContext) async throws -> [String: String] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthError.invalidRequest("Send the parameters as application/x-www-form-urlencoded")
        }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 16 * 1024) else {
            throw OAuthError.invalidRequest("The request is too large")
        }
        guard let form = FormParser.parse(String(buffer: buffer)) else {
            throw OAuthError.invalidRequest("The parameters cannot be read, or one is repeated")
        }
        return form
    }

    func encodeObject(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    // MARK: the sign-in page

    static let authorizeFields = ["client_id", "redirect_uri", "response_type", "code_challenge",
                                  "code_challenge_method", "state", "scope"]

    func html(_ body: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The query string read as a form (`+` is a space, as OAuth clients write it). A repeated parameter makes
    /// the request invalid (RFC 6749 section 3.1): it is answered as if the client were unknown.
    func query(_ request: Request) -> [String: String] {
        FormParser.parse(request.uri.query ?? "") ?? [:]
    }

    func language(_ request: Request, params: [String: String]) -> String {
        LoginPage.language(query: params, cookie: request.cookies["setrag_lang"]?.value,
                           acceptLanguage: request.headers[.acceptLanguage])
    }

    func redirect(_ failure: AuthorizationServer.AuthorizationFailure, lang: String) -> Response {
        switch failure {
        case .badClient(let detail):
            return html(LoginPage.errorPage(lang: lang, detail: detail), status: .badRequest)
        case .redirect(let uri, let error, let description, let state):
            var items = [URLQueryItem(name: "error", value: error),
                         URLQueryItem(name: "error_description", value: description),
                         URLQueryItem(name: "iss", value: server.options.issuer)]
            if let state { items.append(URLQueryItem(name: "state", value: state)) }
            return Response(status: .found, headers: [.location: append(items, to: uri), .cacheControl: "no-store"])
        }
    }

    func append(_ items: [URLQueryItem], to uri: String) -> String {
        var components = URLComponents(string: uri) ?? URLComponents()
        components.queryItems = (components.queryItems ?? []) + items
        return components.string ?? uri
    }

    func showAuthorize(request: Request, context: AppContext) async throws -> Response {
        let params = query(request)
        let lang = language(request, params: params)
        do {
            _ = try await server.validate(params)
        } catch let failure as AuthorizationServer.AuthorizationFailure {
            return redirect(failure, lang: lang)
        }
        let csrf = Random.token(24)
        var hidden = params.filter { Self.authorizeFields.contains($0.key) }
        hidden["csrf"] = csrf
        hidden["lang"] = lang
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: "setrag_login_csrf", value: csrf, maxAge: 1800, path: "/oauth",
                                     secure: secureCookies, httpOnly: true, sameSite: .strict).description
        return html(LoginPage.render(lang: lang, hidden: hidden), status: .ok, headers: headers)
    }

    func submitAuthorize(request: Request, context: AppContext) async throws -> Response {
        let form: [String: String]
        do {
            form = try await readForm(request, context: context)
        } catch {
            return html(LoginPage.errorPage(lang: "fr", detail: "Formulaire illisible / unreadable form"),
                        status: .badRequest)
        }
        let lang = LoginPage.language(query: form, cookie: request.cookies["setrag_lang"]?.value,
                                      acceptLanguage: request.headers[.acceptLanguage])
        let authorization: AuthorizationServer.AuthorizationRequest
        do {
            authorization = try await server.validate(form)
        } catch let failure as AuthorizationServer.AuthorizationFailure {
            return redirect(failure, lang: lang)
        }
        var hidden = form.filter { Self.authorizeFields.contains($0.key) }
        hidden["lang"] = lang
        hidden["csrf"] = form["csrf"] ?? ""
        guard let csrf = form["csrf"], !csrf.isEmpty, request.cookies["setrag_login_csrf"]?.value == csrf else {
            return html(LoginPage.errorPage(lang: lang, detail: "CSRF"), status: .forbidden)
        }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty, username.count <= 254, password.count <= 1024 else {
            return html(LoginPage.render(lang: lang, hidden: hidden, username: String(username.prefix(254)),
                                         message: "wrong"), status: .unauthorized)
        }
        switch try await accounts.signIn(username: username, password: password, address: context.clientAddress,
                                         requestID: context.requestID) {
        case .throttled(let wait):
            return html(LoginPage.render(lang: lang, hidden: hidden, username: username, message: "throttled"),
                        status: .tooManyRequests, headers: [.retryAfter: String(wait)])
        case .wrongCredentials:
            return html(LoginPage.render(lang: lang, hidden: hidden, username: username, message: "wrong"),
                        status: .unauthorized)
        case .success(let user):
            let code = try await server.issueCode(for: authorization, user: user)
            var items = [URLQueryItem(name: "code", value: code),
                         URLQueryItem(name: "iss", value: server.options.issuer)]
            if let state = authorization.state { items.append(URLQueryItem(name: "state", value: state)) }
            var headers = HTTPFields()
            headers[.location] = append(items, to: authorization.redirectURI)
            headers[.cacheControl] = "no-store"
            headers[.setCookie] = Cookie(name: "setrag_login_csrf", value: "", maxAge: 0, path: "/oauth",
                                         secure: secureCookies, httpOnly: true, sameSite: .strict).description
            return Response(status: .seeOther, headers: headers)
        }
    }
}

/// Identity's contract (OpenAPI 3.1), served at `/openapi.json` and, through the gateway, `/api/docs/identity`.
enum IdentityOpenAPI {
    static let document = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "SETRAG identity",
        "version": "1.0.0",
        "description": "Accounts, roles, machine clients, audit log and the OAuth 2 authorization server. Errors are RFC 9457 problem+json documents with a stable type (https://setrag.ga/problems/<code>), except the OAuth endpoints, which answer RFC 6749 error objects."
      },
      "servers": [{"url": "/"}],
      "components": {
        "securitySchemes": {
          "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (typ at+jwt, EdDSA)"},
          "client": {"type": "http", "scheme": "basic", "description": "OAuth client id and secret"}
        },
        "schemas": {
          "Problem": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
              "type": {"type": "string", "format": "uri"},
              "title": {"type": "string"},
              "status": {"type": "integer"},
              "detail": {"type": "string"},
              "requestId": {"type": "string"},
              "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "code"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}
              }}
            }
          },
          "SignUp": {
            "type": "object",
            "additionalProperties": false,
            "required": ["displayName", "username", "password"],
            "properties": {
              "displayName": {"type": "string", "minLength": 1, "maxLength": 80},
              "username": {"type": "string", "maxLength": 254, "description": "An email address, or a Gabonese mobile number: 0 + 8 digits (06[256]/07[47]) or +241 + 8 digits"},
              "password": {"type": "string", "minLength": 8, "maxLength": 256},
              "locale": {"type": "string", "enum": ["fr", "en"]}
            }
          },
          "User": {
            "type": "object",
            "required": ["id", "displayName", "roles", "createdAt"],
            "properties": {
              "id": {"type": "string"},
              "displayName": {"type": "string"},
              "email": {"type": ["string", "null"]},
              "phone": {"type": ["string", "null"], "description": "E.164"},
              "roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}},
              "createdAt": {"type": "string", "format": "date-time"}
            }
          },
          "Role": {"type": "string", "enum": ["customer", "b2b_member", "b2b_admin", "agent", "conductor", "operator", "admin"]},
          "Roles": {
            "type": "object", "additionalProperties": false, "required": ["roles"],
            "properties": {"roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}}}
          },
          "NewClient": {
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 120},
              "roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}}
            }
          },
          "CreatedClient": {
            "type": "object", "required": ["clientId", "clientSecret", "name", "roles"],
            "properties": {
              "clientId": {"type": "string"}, "clientSecret": {"type": "string", "description": "Shown once"},
              "name": {"type": "string"}, "roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}}
            }
          },
          "AuditEntry": {
            "type": "object", "required": ["at", "action"],
            "properties": {
              "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
              "actor": {"type": ["string", "null"]}, "action": {"type": "string"},
              "target": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]},
              "requestId": {"type": ["string", "null"]}, "details": {"type": ["string", "null"]}
            }
          },
          "OAuthError": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}
          }
        },
        "responses": {
          "Problem": {"description": "A problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      },
      "paths": {
        "/api/v1/users": {
          "post": {
            "summary": "Sign up with an email address or a Gabonese mobile number",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignUp"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
              "400": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/me": {
          "get": {
            "summary": "The signed-in user's profile", "security": [{"bearer": []}],
            "responses": {
              "200": {"description": "The profile", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/users/{id}/roles": {
          "put": {
            "summary": "Replace a user's roles (admin; audited)", "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Roles"}}}},
            "responses": {
              "200": {"description": "Updated", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/clients": {
          "post": {
            "summary": "Create a machine client for client credentials (admin, or b2b_admin for b2b_member clients; audited)",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewClient"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedClient"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/audit": {
          "get": {
            "summary": "Latest audit entries (admin)", "security": [{"bearer": []}],
            "parameters": [
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
              {"name": "actor", "in": "query", "schema": {"type": "string"}}
            ],
            "responses": {
              "200": {"description": "Entries, newest first", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/.well-known/oauth-authorization-server": {"get": {"summary": "RFC 8414 metadata", "responses": {"200": {"description": "Metadata", "content": {"application/json": {}}}}}},
        "/.well-known/jwks.json": {"get": {"summary": "Signing keys (Ed25519), current and recently retired", "responses": {"200": {"description": "JWK set", "content": {"application/jwk-set+json": {}}}}}},
        "/oauth/authorize": {
          "get": {
            "summary": "Authorization code request with PKCE (S256 only): shows the sign-in page (French or English)",
            "parameters": [
              {"name": "response_type", "in": "query", "required": true, "schema": {"const": "code"}},
              {"name": "client_id", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "redirect_uri", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "code_challenge", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "code_challenge_method", "in": "query", "required": true, "schema": {"const": "S256"}},
              {"name": "state", "in": "query", "schema": {"type": "string"}},
              {"name": "scope", "in": "query", "schema": {"type": "string"}},
              {"name": "ui_locales", "in": "query", "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "The sign-in form", "content": {"text/html": {}}}, "302": {"description": "An error sent back to the client"}, "400": {"description": "Unknown client or redirect URI", "content": {"text/html": {}}}}
          },
          "post": {
            "summary": "The sign-in form's submission (fields username, password and the request's hidden fields)",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
            "responses": {"303": {"description": "Back to the client with a code"}, "401": {"description": "Wrong credentials", "content": {"text/html": {}}}, "429": {"description": "Too many attempts", "content": {"text/html": {}}}}
          }
        },
        "/oauth/token": {
          "post": {
            "summary": "authorization_code (with code_verifier), refresh_token (rotating), client_credentials",
            "security": [{"client": []}],
            "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
            "responses": {"200": {"description": "Tokens", "content": {"application/json": {}}}, "400": {"description": "OAuth error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}}, "401": {"description": "Client authentication failed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}}}
          }
        },
        "/oauth/introspect": {
          "post": {"summary": "RFC 7662 (confidential clients only)", "security": [{"client": []}], "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
            "responses": {"200": {"description": "active and claims", "content": {"application/json": {}}}, "401": {"description": "Client authentication failed"}}}
        },
        "/oauth/revoke": {
          "post": {"summary": "RFC 7009", "security": [{"client": []}], "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
            "responses": {"200": {"description": "Revoked (or unknown)"}, "401": {"description": "Client authentication failed"}}}
        }
      }
    }
    """#
}

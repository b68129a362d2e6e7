import Foundation

/// The sign-in page: a small server-rendered form (fields `username` and `password`) in French or English.
enum LoginPage {
    static let texts: [String: [String: String]] = [
        "fr": [
            "title": "Connexion — SETRAG",
            "heading": "Se connecter",
            "intro": "Connectez-vous pour réserver vos billets du Transgabonais et suivre vos colis.",
            "username": "Adresse e-mail ou numéro de téléphone",
            "password": "Mot de passe",
            "submit": "Se connecter",
            "wrong": "Identifiant ou mot de passe incorrect.",
            "throttled": "Trop de tentatives. Réessayez dans quelques minutes.",
            "signup": "Pas encore de compte ? Créer un compte",
            "other": "English",
            "error": "La demande de connexion n'est pas valable.",
        ],
        "en": [
            "title": "Sign in — SETRAG",
            "heading": "Sign in",
            "intro": "Sign in to book Transgabonais tickets and track your parcels.",
            "username": "Email or phone number",
            "password": "Password",
            "submit": "Sign in",
            "wrong": "Wrong sign-in name or password.",
            "throttled": "Too many attempts. Try again in a few minutes.",
            "signup": "No account yet? Create one",
            "other": "Français",
            "error": "This sign-in request is not valid.",
        ],
    ]

    /// The page's language: `ui_locales`/`lang`, then the `setrag_lang` cookie, then Accept-Language, then French.
    static func language(query: [String: String], cookie: String?, acceptLanguage: String?) -> String {
        for candidate in [query["lang"], query["ui_locales"]?.split(separator: " ").first.map(String.init), cookie] {
            if let c = candidate?.prefix(2).lowercased(), texts[c] != nil { return c }
        }
        if let accept = acceptLanguage?.lowercased() {
            let first = accept.split(separator: ",").first.map { String($0.prefix(2)) }
            if let first, texts[first] != nil { return first }
        }
        return "fr"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f4;color:#1b1f1c}
        header{background:#0b5d3b;color:#fff;padding:12px 16px;font-weight:700;display:flex;justify-content:space-between}
        header a{color:#fff}
        main{max-width:420px;margin:0 auto;padding:16px}
        form{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
        label{display:block;font-weight:600;margin:12px 0 4px}
        input{box-sizing:border-box;width:100%;font-size:16px;padding:10px;border:1px solid #6b756e;border-radius:6px}
        button{margin-top:16px;width:100%;font-size:16px;padding:12px;background:#0b5d3b;color:#fff;border:0;border-radius:6px}
        .error{background:#fde8e8;color:#8a1c1c;padding:10px;border-radius:6px}
        """

    static func render(lang: String, hidden: [String: String], username: String = "", message: String? = nil)
        -> String
    {
        let t = texts[lang] ?? texts["fr"]!
        let other = lang == "fr" ? "en" : "fr"
        var otherQuery = hidden.filter { $0.key != "csrf" }
        otherQuery["lang"] = other
        let otherLink = "/oauth/authorize?" + otherQuery.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(formEncode($0.value))" }.joined(separator: "&")
        let fields = hidden.sorted { $0.key < $1.key }
            .map { "<input type=\"hidden\" name=\"\(escape($0.key))\" value=\"\(escape($0.value))\">" }
            .joined(separator: "\n")
        let alert = message.map { "<p class=\"error\" role=\"alert\">\(escape(t[$0] ?? $0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="\(lang)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <title>\(escape(t["title"]!))</title><style>\(style)</style></head>
            <body><header><span>SETRAG</span><a href="\(escape(otherLink))" lang="\(other)">\(escape(t["other"]!))</a></header>
            <main><h1>\(escape(t["heading"]!))</h1><p>\(escape(t["intro"]!))</p>\(alert)
            <form method="post" action="/oauth/authorize">
            \(fields)
            <label for="username">\(escape(t["username"]!))</label>
            <input id="username" name="username" autocomplete="username" required maxlength="254" value="\(escape(username))">
            <label for="password">\(escape(t["password"]!))</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
            <button type="submit">\(escape(t["submit"]!))</button>
            </form>
            <p><a href="/signup">\(escape(t["signup"]!))</a></p></main></body></html>
            """
    }

    static func errorPage(lang: String, detail: String) -> String {
        let t = texts[lang] ?? texts["fr"]!
        return """
            <!doctype html><html lang="\(lang)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1"><title>SETRAG</title>
            <style>\(style)</style></head><body><header><span>SETRAG</span></header><main>
            <h1>\(escape(t["error"]!))</h1><p>\(escape(detail))</p><p><a href="/">SETRAG</a></p></main></body></html>
            """
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Parses `application/x-www-form-urlencoded` text. A repeated parameter is an error (RFC 6749 section 3.1).
enum FormParser {
    static func parse(_ text: String) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]) else { return nil }
            let value = parts.count > 1 ? decode(parts[1]) : ""
            guard let value, result[key] == nil else { return nil }
            result[key] = value
        }
        return result
    }

    static func decode(_ s: Substring) -> String? {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

import Foundation
import Hummingbird
import NIOCore

/// The hosted payment page a payer's browser sees: French first, English second. It never asks for card
/// details; it only says that the real page would.
enum HostedPage {
    /// The form posted by the page's buttons.
    struct Form: Decodable {
        var action: String
        var paymentSystemName: String?
        enum CodingKeys: String, CodingKey { case action, paymentSystemName = "payment_system_name" }
    }

    static func payment(_ bill: Bill) -> Response {
        let amount = formatXAF(bill.amount)
        let id = escape(bill.id)
        let body = """
            <h1>E-Billing · Paiement / Payment</h1>
            <p class="bill">\(escape(bill.shortDescription))</p>
            <p class="amount">\(amount)</p>
            <p>Facture / Bill n° \(id) · Réf. \(escape(bill.externalReference))</p>
            <form method="post" action="/pay/\(id)">
              <fieldset>
                <legend>Moyen de paiement / Payment method</legend>
                <label><input type="radio" name="payment_system_name" value="card" checked>
                  Carte bancaire / Bank card</label>
                <label><input type="radio" name="payment_system_name" value="airtelmoney"> Airtel Money</label>
                <label><input type="radio" name="payment_system_name" value="moovmoney4"> Moov Money</label>
              </fieldset>
              <p class="note">Simulateur : la vraie page demanderait ici les données de la carte ou le code du
                portefeuille. Aucune donnée n'est demandée.<br>
                Simulator: the real page would ask for the card details or the wallet PIN here. Nothing is asked.</p>
              <button type="submit" name="action" value="pay">Payer / Pay</button>
              <button type="submit" name="action" value="decline">Refuser / Decline</button>
            </form>
            """
        return page(title: "Paiement / Payment \(amount)", body: body)
    }

    /// The bill is no longer payable, or the payer has just paid or declined and no return address was given.
    static func status(_ bill: Bill, status: HTTPResponse.Status = .ok) -> Response {
        let (french, english): (String, String) = switch bill.state {
        case .ready: ("Cette facture attend son paiement.", "This bill is waiting for payment.")
        case .paid: ("Cette facture est payée.", "This bill is paid.")
        case .expired: ("Cette facture a expiré.", "This bill has expired.")
        case .cancelled: ("Ce paiement a été refusé.", "This payment was declined.")
        }
        let body = """
            <h1>E-Billing</h1>
            <p class="bill">\(escape(bill.shortDescription)) · \(formatXAF(bill.amount))</p>
            <p role="status" class="state-\(bill.state.rawValue)">\(french)<br>\(english)</p>
            """
        return page(title: "E-Billing", body: body, status: status)
    }

    static func problem(_ french: String, _ english: String, status: HTTPResponse.Status) -> Response {
        page(title: "E-Billing", body: "<h1>E-Billing</h1>\n<p role=\"alert\">\(french)<br>\(english)</p>",
             status: status)
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
              body { font-family: system-ui, sans-serif; max-width: 30rem; margin: 1rem auto; padding: 0 1rem; }
              .amount { font-size: 1.6rem; font-weight: bold; }
              fieldset { margin: 1rem 0; } label { display: block; padding: .25rem 0; }
              .note { font-size: .9rem; color: #444; }
              button { font-size: 1.1rem; padding: .6rem 1.2rem; margin: .3rem .3rem 0 0; }
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `12 500 FCFA`: thousands separated by a space, as in Gabon.
    static func formatXAF(_ amount: Int) -> String {
        let digits = Array(String(amount))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(" ") }
            text.append(digit)
        }
        return text + " FCFA"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

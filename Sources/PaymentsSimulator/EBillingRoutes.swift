import Crypto
import Foundation
import Hummingbird
import NIOCore
import SetragKernel

/// The simulator's HTTP surface. Thin handlers: checks live in the request bodies, state in `EBillingSimulator`.
enum EBillingRoutes {
    static func add(to router: Router<AppContext>, simulator: EBillingSimulator, configuration: EBillingConfiguration) {
        let maximumAmount = configuration.maximumAmount
        let merchant = router.group("/api/v1/merchant")
            .add(middleware: MerchantAuthMiddleware(username: configuration.username,
                                                    sharedKey: configuration.sharedKey))

        merchant.post("/e_bills") { request, context in
            let new = try await request.decodeJSON(as: CreateBillBody.self, context: context)
                .validated(maximumAmount: maximumAmount)
            return JSONResponse(BillEnvelope(eBill: await simulator.createBill(new)), status: .created)
        }
        merchant.get("/e_bills/{bill_id}") { _, context in
            let id = try context.parameters.require("bill_id")
            return JSONResponse(BillEnvelope(eBill: try await simulator.bill(id)))
        }
        merchant.post("/e_bills/{bill_id}/ussd_push") { request, context in
            let id = try context.parameters.require("bill_id")
            let (system, payer, msisdn) = try await request.decodeJSON(as: PushBody.self, context: context).validated()
            let outcome = try await simulator.push(billID: id, system: system, payer: payer, msisdn: msisdn)
            if outcome == .lostAnswer {
                // The push went out; the answer saying so did not.
                return JSONResponse(["message": "upstream connection lost"], status: .badGateway)
            }
            return JSONResponse(
                ["message": "USSD push sent to \(msisdn) (\(system.rawValue)); waiting for the payer's PIN"],
                status: .accepted)
        }
        merchant.post("/disbursements") { request, context in
            let new = try await request.decodeJSON(as: CreateDisbursementBody.self, context: context)
                .validated(maximumAmount: maximumAmount)
            let (view, created) = try await simulator.createDisbursement(new)
            return JSONResponse(view, status: created ? .created : .ok)
        }
        merchant.get("/disbursements/{disbursement_id}") { _, context in
            let id = try context.parameters.require("disbursement_id")
            return JSONResponse(try await simulator.disbursement(id))
        }

        addHostedPage(to: router, simulator: simulator)
        addControl(to: router, simulator: simulator)
    }

    /// `GET /pay/{bill_id}` shows the page; its buttons post `action=pay|decline` (and `payment_system_name`) to
    /// the same address, which then redirects (303) to the bill's `return_url`, or shows the result.
    static func addHostedPage(to router: Router<AppContext>, simulator: EBillingSimulator) {
        router.get("/pay/{bill_id}") { _, context in
            let id = try context.parameters.require("bill_id")
            guard let bill = await simulator.storedBill(id) else {
                return HostedPage.problem("Facture inconnue.", "Unknown bill.", status: .notFound)
            }
            return bill.state == .ready ? HostedPage.payment(bill) : HostedPage.status(bill)
        }
        router.post("/pay/{bill_id}") { request, context in
            let id = try context.parameters.require("bill_id")
            var request = request
            guard let buffer = try? await request.collectBody(upTo: 16 << 10),
                  let form = try? URLEncodedFormDecoder().decode(HostedPage.Form.self, from: String(buffer: buffer))
            else {
                return HostedPage.problem("Formulaire illisible.", "The form cannot be read.", status: .badRequest)
            }
            let system = form.paymentSystemName.map { PaymentSystem(rawValue: $0) } ?? .card
            guard let system, form.action == "pay" || form.action == "decline" else {
                return HostedPage.problem("Choix inconnu.", "Unknown choice.", status: .badRequest)
            }
            do {
                let bill = form.action == "pay"
                    ? try await simulator.payOnPage(billID: id, system: system)
                    : try await simulator.declineOnPage(billID: id)
                if let returnURL = bill.returnURL {
                    return Response(status: .seeOther, headers: [.location: returnURL, .cacheControl: "no-store"])
                }
                return HostedPage.status(bill)
            } catch EBillingError.billClosed {
                if let bill = await simulator.storedBill(id) { return HostedPage.status(bill, status: .conflict) }
            } catch {}
            return HostedPage.problem("Facture inconnue.", "Unknown bill.", status: .notFound)
        }
    }

    /// The control API tests use; not part of E-Billing, not authenticated (bind the simulator to loopback).
    static func addControl(to router: Router<AppContext>, simulator: EBillingSimulator) {
        let control = router.group("/_sim")
        control.put("/scenarios/{msisdn}") { request, context in
            let target = try scenarioNumber(context)
            let scenario = try await request.decodeJSON(as: ScenarioBody.self, context: context).validated()
            return JSONResponse(await simulator.setScenario(scenario, for: target))
        }
        control.delete("/scenarios/{msisdn}") { _, context in
            await simulator.removeScenario(for: try scenarioNumber(context))
            return Response(status: .noContent)
        }
        control.get("/scenarios") { _, _ in
            JSONResponse(["scenarios": await simulator.scenarioViews()])
        }
        control.get("/bills") { _, _ in
            JSONResponse(["bills": await simulator.billViews()])
        }
        control.post("/bills/{bill_id}/expire") { _, context in
            let id = try context.parameters.require("bill_id")
            return JSONResponse(BillEnvelope(eBill: try await simulator.forceExpire(billID: id)))
        }
        control.get("/disbursements") { _, _ in
            JSONResponse(["disbursements": await simulator.disbursementViews()])
        }
        control.post("/reset") { _, _ in
            await simulator.reset()
            return Response(status: .noContent)
        }
    }

    /// The number of `/_sim/scenarios/{msisdn}`; `default` (nil) names the scenario of every number without its own.
    static func scenarioNumber(_ context: AppContext) throws -> GabonMobileNumber? {
        let text = try context.parameters.require("msisdn")
        if text == "default" { return nil }
        guard let number = GabonMobileNumber(text) else {
            throw ProblemError.validation([.init(field: "msisdn", code: "invalid-msisdn")])
        }
        return number
    }
}

/// HTTP Basic with the merchant's user name and shared key on every merchant call; anything else is a 401.
struct MerchantAuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// The digest of `username:sharedKey`: comparing digests takes the same time whatever the guess.
    let expected: SHA256.Digest

    init(username: String, sharedKey: String) {
        expected = SHA256.hash(data: Array("\(username):\(sharedKey)".utf8))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization], header.count > 6,
              header.prefix(6).lowercased() == "basic ",
              let decoded = Data(base64Encoded: String(header.dropFirst(6).trimmingASCIISpaces())),
              SHA256.hash(data: decoded) == expected
        else { throw EBillingError.unauthorized }
        return try await next(request, context)
    }
}

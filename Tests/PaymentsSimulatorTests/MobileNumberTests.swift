import Testing

@testable import PaymentsSimulator

@Suite("Gabonese mobile numbers as E-Billing takes them")
struct MobileNumberTests {
    @Test("national and 241 forms name the same payer; the operator decides the wallet")
    func forms() throws {
        let national = try #require(GabonMobileNumber("074123456"))
        let international = try #require(GabonMobileNumber("24174123456"))
        #expect(national == international)
        #expect(national.wallet == .airtelmoney)
        #expect(GabonMobileNumber("066123456")?.wallet == .moovmoney4)
    }

    @Test("other shapes are refused", arguments: [
        "74123456", "+24174123456", "0741234567", "011123456", "079123456", "07412345a", "", "2417412345",
    ])
    func refused(_ text: String) {
        #expect(GabonMobileNumber(text) == nil)
    }
}

import Testing
@testable import Identity

@Suite struct UsernameTests {
    @Test(arguments: [
        ("077123456", "+24177123456"), ("+241 77 12 34 56", "+24177123456"), ("062 00 11 22", "+24162001122"),
        ("065001122", "+24165001122"), ("066001122", "+24166001122"), ("074001122", "+24174001122"),
        ("00241 74 00 11 22", "+24174001122"),
    ])
    func gaboneseMobilesBecomeE164(raw: String, e164: String) {
        #expect(Username.parse(raw) == .phone(e164))
    }

    @Test(arguments: ["011123456", "07712345", "0771234567", "+33612345678", "078123456", "abc", "", "+241",
                      "0771234a6"])
    func otherNumbersAreRefused(raw: String) {
        #expect(Username.parse(raw) == nil)
    }

    @Test func emailsAreLowercased() {
        #expect(Username.parse(" Awa.Ndong@Example.GA ") == .email("awa.ndong@example.ga"))
    }

    @Test(arguments: ["a@b", "@x.ga", "a@@x.ga", "a b@x.ga", "a@x..ga", "a@.x.ga", "é@x.ga", "a'; DROP TABLE users;--@x.ga"])
    func badEmailsAreRefused(raw: String) {
        #expect(Username.parse(raw) == nil)
    }
}

@Suite struct PasswordPolicyTests {
    @Test func shortAndCommonPasswordsAreRefused() {
        #expect(PasswordPolicy.check("short") == .tooShort)
        #expect(PasswordPolicy.check("password") == .common)
        #expect(PasswordPolicy.check("Azerty123") == .common)
        #expect(PasswordPolicy.check("aaaaaaaaaaaa") == .common)
        #expect(PasswordPolicy.check(String(repeating: "x", count: 257)) == .tooLong)
    }

    @Test func longPassphrasesAreWelcome() {
        #expect(PasswordPolicy.check("le train de Franceville part à 18h30") == nil)
        let long = String(repeating: "une phrase de passe assez longue ", count: 7)
        #expect(PasswordPolicy.check(long) == nil)
        // bcrypt reads only 72 bytes: passphrases differing after byte 72 must still hash differently.
        #expect(PasswordPolicy.bcryptInput(long + "a") != PasswordPolicy.bcryptInput(long + "b"))
    }
}

@Suite struct PKCETests {
    @Test func s256MatchesTheRFCExample() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.verify(verifier: verifier + "x", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.verify(verifier: "short", challenge: PKCE.challenge(for: "short")))
    }
}

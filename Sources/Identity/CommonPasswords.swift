// The passwords attackers try first (lowercased): refused at sign-up.
enum CommonPasswords {
    static let list: Set<String> = [
        "000000", "01234567", "0123456789", "111111", "11111111", "11223344", "12121212", "123123", "123321", "1234",
        "12341234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890", "123qwe", "1q2w3e",
        "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "22222222", "654321", "666666", "696969", "7777777", "88888888",
        "987654321", "a1b2c3d4", "aaaaaaaa", "abc123", "abcd1234", "abcdef123", "abcdefgh", "access", "admin",
        "admin123", "administrator", "airtel", "airtel123", "amour", "arsenal", "asdfghjkl", "autumn", "azerty",
        "azerty1", "azerty123", "azertyuiop", "barcelona", "baseball", "batman", "bebe", "bonjour", "bonjour1",
        "changeme", "charlie", "chelsea", "chouchou", "christ", "computer", "cookie", "doudou", "dragon", "facebook",
        "flower", "football", "football1", "franceville", "freedom", "gabon", "gabon123", "gabon241", "google",
        "guest", "guest123", "hello", "hello123", "hottie", "iloveyou", "instagram", "internet", "iphone", "jennifer",
        "jesus", "jesus123", "jetaime", "jetaime1", "jordan23", "killer", "letmein", "libreville", "liverpool",
        "loulou", "lovely", "loveme", "maman", "marseille", "master", "michael", "monkey", "moov", "moov123",
        "motdepasse", "motdepasse1", "mustang", "naruto", "ninja", "orange", "orange123", "owendo", "p@ssw0rd",
        "p@ssword", "papa", "paris123", "passw0rd", "password", "password1", "password12", "password123", "pokemon",
        "princess", "qazwsx", "qwe123", "qwerty", "qwerty123", "qwertyuiop", "realmadrid", "root", "root1234",
        "samsung", "secret", "setrag", "setrag123", "shadow", "soleil", "soleil123", "spring", "starwars", "summer",
        "sunshine", "superman", "test1234", "testtest", "transgabonais", "trustno1", "user1234", "welcome",
        "welcome1", "whatever", "whatsapp", "winter", "zaq12wsx", "zxcvbnm",
    ]
}

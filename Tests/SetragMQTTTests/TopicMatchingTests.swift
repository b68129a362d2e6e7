import SetragMQTT
import SetragTesting
import Testing

@Suite("topicMatches")
struct TopicMatchingTests {
    @Test(arguments: [
        ("a/b/c", "a/b/c", true),
        ("a/+/c", "a/b/c", true),
        ("a/+/c", "a/b/d", false),
        ("a/#", "a", true),
        ("a/#", "a/b/c", true),
        ("#", "setrag/trains/42", true),
        ("+/+", "a/b", true),
        ("+/+", "a/b/c", false),
        ("a/b", "a/b/c", false),
        ("#", "$SYS/broker/uptime", false),
        ("$SYS/#", "$SYS/broker/uptime", true),
        ("$share/group/a/#", "a/b", true),
        ("$share/group/a/+", "b/c", false),
        ("$share/group/#", "x/y/z", true),
        ("$share/group", "group", false),
    ])
    func matches(filter: String, topic: String, expected: Bool) {
        #expect(topicMatches(filter: filter, topic: topic) == expected)
    }
}

import CMariaDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide Connector/C set-up.
enum MySQLLibrary {
    /// `mysql_library_init` is a macro Swift cannot see; `mysql_server_init(0, nil, nil)` is what it expands to.
    /// A lazy global: Swift runs the initializer exactly once, thread-safely.
    private static let libraryInitialized: Bool = mysql_server_init(0, nil, nil) == 0

    /// Per-thread marker; its destructor runs `mysql_thread_end()` when a worker thread exits.
    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { _ in mysql_thread_end() }
        return key
    }()

    /// Initialises the library once per process and Connector/C's per-thread state once per thread.
    /// Called at the start of every job on the pool's worker threads.
    static func prepareCurrentThread() {
        precondition(libraryInitialized, "mysql_server_init failed")
        if pthread_getspecific(threadKey) == nil {
            _ = mysql_thread_init()
            pthread_setspecific(threadKey, UnsafeRawPointer(bitPattern: 1))
        }
    }
}

import CLibWebSockets

#if canImport(Glibc)
import Glibc
#endif

/// Creates libwebsockets contexts, and keeps TLS context creation from racing with TLS handshakes.
///
/// Why: in lws 4.1, `LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT` (which every TLS client context needs: without it
/// there is no client `SSL_CTX` and `SSL_new` fails) makes each context creation allocate a *new* global
/// `SSL_get_ex_new_index` slot, where lws keeps "the wsi of this SSL". A TLS connection stores its wsi under the
/// index current when it connects and its certificate-verify callback reads it back under the index current when
/// the server's certificate arrives. If another TLS context is created in between (a reconnect while the HTTPS
/// client is mid-handshake, or parallel tests), verification fails with "OpenSSL_client_verify_callback: can't
/// get wsi from ssl privdata". (Fixed upstream after 4.1 with `openssl_ex_indexes_acquired`.)
///
/// So: every TLS handshake is counted from just before it starts until it completes or fails, and creating a
/// TLS context waits (on its own service thread, never on a Swift task) until no handshake is in flight. Waits
/// are short and bounded by the handshake timeout.
enum LWSContext {
    // Allocated once, never freed; every use holds `mutex` itself.
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()
    nonisolated(unsafe) private static let idle: UnsafeMutablePointer<pthread_cond_t> = {
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        pthread_cond_init(condition, nil)
        return condition
    }()
    // Guarded by `mutex`.
    nonisolated(unsafe) private static var handshakesInFlight = 0

    /// Creates a context from `info`, adding the global-init option for TLS contexts.
    static func create(_ info: inout lws_context_creation_info, needsTLS: Bool) -> OpaquePointer? {
        _ = LWSLog.install
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if needsTLS {
            while handshakesInFlight > 0 { pthread_cond_wait(idle, mutex) }
            info.options |= clws_option_ssl_global_init()
        }
        return lws_create_context(&info)
    }

    /// Call just before starting a TLS connection.
    static func tlsHandshakeStarted() {
        pthread_mutex_lock(mutex)
        handshakesInFlight += 1
        pthread_mutex_unlock(mutex)
    }

    /// Call once the TLS connection is established or has failed.
    static func tlsHandshakeFinished() {
        pthread_mutex_lock(mutex)
        handshakesInFlight -= 1
        if handshakesInFlight == 0 { pthread_cond_broadcast(idle) }
        pthread_mutex_unlock(mutex)
    }
}

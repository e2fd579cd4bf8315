import CLibWebSockets

#if canImport(Glibc)
import Glibc
#endif

/// A libwebsockets context with its one vhost and, for TLS, the client `SSL_CTX` this process owns.
///
/// Why not lws' defaults: in lws 4.1, `LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT` on a *context* allocates a new global
/// `SSL_get_ex_new_index` slot each time, where lws keeps "the wsi of this SSL". A TLS connection stores its wsi
/// under the slot current when it connects and its certificate-verify callback reads it back under the slot current
/// when the server's certificate arrives; a TLS context created in between (a reconnect while the HTTPS client is
/// mid-handshake, parallel tests) made verification fail with "can't get wsi from ssl privdata". (Fixed upstream
/// after 4.1 with `openssl_ex_indexes_acquired`.) Making creation wait for handshakes in flight, as this type once
/// did, starves: a handshake to a peer that never answers holds every new TLS connection of the process for the
/// whole handshake timeout.
///
/// So the global init happens exactly once per process, on an anchor context that is never destroyed. Every other
/// context is created without it and with explicit vhosts; its one vhost carries the option (which is what makes lws
/// attach a client `SSL_CTX` to it) and an `SSL_CTX` built here (`provided_client_ssl_ctx`), because lws frees the
/// client contexts it builds itself only when the *context* has the option. Nothing ever reallocates the slot after
/// start, so nothing has to wait. `destroy` frees the `SSL_CTX` after the lws context is gone.
struct LWSContext: ~Copyable {
    let context: OpaquePointer
    let vhost: OpaquePointer
    private let sslContext: OpaquePointer?

    /// Serialises context creation: lws' creation path touches process-wide state (log emitters, OpenSSL init).
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()

    /// OpenSSL's and lws' one global TLS initialisation, on a context kept for the life of the process (never
    /// destroyed, so nothing undoes it). Evaluated under `mutex`.
    nonisolated(unsafe) private static let anchor: OpaquePointer? = {
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.options = clws_option_ssl_global_init() | clws_option_explicit_vhosts()
        return lws_create_context(&info)
    }()

    /// Creates a context and its vhost from `info`. With `tls`, the vhost gets a client `SSL_CTX` that trusts
    /// `tls.caFile` alone when given, else the system trust store.
    /// - Throws: a line saying what failed (the caller wraps it in its own error type).
    init(_ info: inout lws_context_creation_info, tls: Trust?) throws(LWSContextError) {
        _ = LWSLog.install
        pthread_mutex_lock(Self.mutex)
        defer { pthread_mutex_unlock(Self.mutex) }

        var ssl: OpaquePointer? = nil
        if let tls {
            guard Self.anchor != nil else { throw LWSContextError("OpenSSL could not be initialised") }
            var reason = [CChar](repeating: 0, count: 256)
            ssl = clws_client_ssl_ctx_new(tls.caFile, &reason, reason.count)
            guard ssl != nil else {
                let what = tls.caFile.map { "the CA file '\(String(cString: $0))'" } ?? "the system trust store"
                throw LWSContextError(
                    "could not load \(what): \(String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
                )
            }
        }
        info.options |= clws_option_explicit_vhosts()
        guard let context = lws_create_context(&info) else {
            if let ssl { clws_client_ssl_ctx_free(ssl) }
            throw LWSContextError("could not create a libwebsockets context")
        }
        var vhostInfo = info
        if let ssl {
            vhostInfo.options |= clws_option_ssl_global_init()
            vhostInfo.provided_client_ssl_ctx = ssl
        }
        guard let vhost = lws_create_vhost(context, &vhostInfo) else {
            lws_context_destroy(context)
            if let ssl { clws_client_ssl_ctx_free(ssl) }
            throw LWSContextError("could not create a libwebsockets vhost")
        }
        self.context = context
        self.vhost = vhost
        self.sslContext = ssl
    }

    /// The creation info every client context starts from: no listening port, `protocols`, and `user` as the
    /// context's user pointer (unretained: safe because the `LWSServiceThread` running `user` holds it strongly
    /// until the context is destroyed), with a 16 KiB per-thread buffer (room for large handshake headers).
    static func clientInfo(protocols: UnsafeMutablePointer<lws_protocols>, user: AnyObject) -> lws_context_creation_info
    {
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(protocols)
        info.user = Unmanaged.passUnretained(user).toOpaque()
        info.pt_serv_buf_size = 16 << 10
        return info
    }

    /// Destroys the lws context (closing every connection on it), then the `SSL_CTX` it used.
    consuming func destroy() {
        lws_context_destroy(self.context)
        if let ssl = self.sslContext { clws_client_ssl_ctx_free(ssl) }
    }

    /// Whom a TLS client trusts.
    struct Trust {
        /// A PEM file of CA certificates, trusted alone; nil for the system trust store. Must outlive `init`.
        var caFile: UnsafePointer<CChar>?
    }
}

/// Why a context could not be created; `message` is one line for the caller's error.
struct LWSContextError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

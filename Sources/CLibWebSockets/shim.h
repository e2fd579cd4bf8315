// The whole C fence for libwebsockets 4.1.x: every lws macro, variadic or 64-bit constant that Swift cannot import
// is wrapped here as a `clws_`-prefixed static inline function. Only the Transport module imports this.
#ifndef CLWS_SHIM_H
#define CLWS_SHIM_H

#include <libwebsockets.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/prctl.h>

/// `LWS_PRE` is a macro expression (`_LWS_PAD(4 + 10 + 2)`): Swift cannot see it. Every `lws_write` payload needs
/// this many writable bytes before it.
static inline size_t clws_pre(void) { return LWS_PRE; }

/// `LWS_SERVER_OPTION_*` are `(1ll << n)` macros; Swift imports them as `Int64` while `info.options` is `uint64_t`.
/// On a *context* it initialises OpenSSL and allocates lws' global ex_data slots (again on every context: see
/// `LWSContext`); on a *vhost* it makes lws attach a client `SSL_CTX`, without which `SSL_new` fails.
static inline uint64_t clws_option_ssl_global_init(void) { return LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; }

/// A context without a default vhost: `LWSContext` creates the one vhost itself, with other options than the context.
static inline uint64_t clws_option_explicit_vhosts(void) { return LWS_SERVER_OPTION_EXPLICIT_VHOSTS; }

/// Stops lws loading the OS trust store *in addition to* `client_ssl_ca_filepath`; set whenever a CA file is given
/// so that the configured CA is the only one trusted.
static inline uint64_t clws_option_disable_os_ca_certs(void) { return LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS; }

/// Makes lws fail text frames that are not valid UTF-8 with close code 1007 (RFC 6455 §8.1).
static inline uint64_t clws_option_validate_utf8(void) { return LWS_SERVER_OPTION_VALIDATE_UTF8; }

/// `lwsl_*` are variadic macros over `_lws_log`, which Swift cannot call. Logs one preformatted line.
static inline void clws_log(int level, const char *_Nonnull message) { _lws_log(level, "%s", message); }

/// `LWS_SET_TIMER_USEC_CANCEL` is a cast macro; cancels the per-wsi timer set by `lws_set_timer_usecs`.
static inline void clws_cancel_timer(struct lws *_Nonnull wsi) { lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL); }

/// Names the calling thread (an lws service thread) for `top -H`, `ps -L`, profilers and crash reports. `prctl` is
/// variadic, so Swift cannot call it; Foundation's `Thread.name` reaches the kernel only when the thread's handle is
/// already stored, which races with the thread's start. Linux keeps the first 15 bytes.
static inline void clws_name_current_thread(const char *_Nonnull name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

/// `lws_wsi_close` is a macro: closes a wsi at the next opportunity without another callback round trip.
static inline void clws_kill_async(struct lws *_Nonnull wsi) { lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); }

/// A client `SSL_CTX` configured as lws 4.1 configures its own (`lws_tls_client_create_vhost_context`): no
/// compression, moving write buffers, buffers released when idle, and the trust anchors: the file `ca_file` alone
/// when given, else OpenSSL's default verify paths (Debian's `/etc/ssl/certs`). Peer verification and the hostname
/// check are set per connection by lws. Returns NULL, with OpenSSL's reason in `reason`, when the CA file cannot be
/// loaded. The caller owns the context and frees it with `clws_client_ssl_ctx_free` after the lws context is gone.
static inline SSL_CTX *_Nullable clws_client_ssl_ctx_new(const char *_Nullable ca_file, char *_Nonnull reason,
                                                        size_t reason_size) {
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int loaded = 0;
    if (ctx) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
        SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
        loaded = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    }
    if (ctx && loaded == 1) return ctx;
    unsigned long error = ERR_get_error();
    if (error) ERR_error_string_n(error, reason, reason_size);
    else snprintf(reason, reason_size, "%s", ctx ? "no reason given" : "out of memory");
    ERR_clear_error();
    if (ctx) SSL_CTX_free(ctx);
    return NULL;
}

static inline void clws_client_ssl_ctx_free(SSL_CTX *_Nonnull ctx) { SSL_CTX_free(ctx); }

#endif

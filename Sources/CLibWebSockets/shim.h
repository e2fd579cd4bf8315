// The whole C fence for libwebsockets 4.1.x: every lws macro, variadic or 64-bit constant that Swift cannot import
// is wrapped here as a `clws_`-prefixed static inline function. Only the Transport module imports this.
#ifndef CLWS_SHIM_H
#define CLWS_SHIM_H

#include <libwebsockets.h>
#include <stdint.h>
#include <stddef.h>

/// `LWS_PRE` is a macro expression (`_LWS_PAD(4 + 10 + 2)`): Swift cannot see it. Every `lws_write` payload needs
/// this many writable bytes before it.
static inline size_t clws_pre(void) { return LWS_PRE; }

/// `LWS_SERVER_OPTION_*` are `(1ll << n)` macros; Swift imports them as `Int64` while `info.options` is `uint64_t`.
/// Needed for any TLS: without it `SSL_new` fails and the connection reports "bio_create failed".
static inline uint64_t clws_option_ssl_global_init(void) { return LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; }

/// Stops lws loading the OS trust store *in addition to* `client_ssl_ca_filepath`; set whenever a CA file is given
/// so that the configured CA is the only one trusted.
static inline uint64_t clws_option_disable_os_ca_certs(void) { return LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS; }

/// Makes lws fail text frames that are not valid UTF-8 with close code 1007 (RFC 6455 §8.1).
static inline uint64_t clws_option_validate_utf8(void) { return LWS_SERVER_OPTION_VALIDATE_UTF8; }

/// `lwsl_*` are variadic macros over `_lws_log`, which Swift cannot call. Logs one preformatted line.
static inline void clws_log(int level, const char *_Nonnull message) { _lws_log(level, "%s", message); }

/// `LWS_SET_TIMER_USEC_CANCEL` is a cast macro; cancels the per-wsi timer set by `lws_set_timer_usecs`.
static inline void clws_cancel_timer(struct lws *_Nonnull wsi) { lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL); }

/// `lws_wsi_close` is a macro: closes a wsi at the next opportunity without another callback round trip.
static inline void clws_kill_async(struct lws *_Nonnull wsi) { lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); }

#endif

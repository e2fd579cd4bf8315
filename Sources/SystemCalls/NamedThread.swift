import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's own threads: each is named by the thread itself, as its first act, so the kernel, and with it
/// `top -H`, `ps -L` and `/proc/<pid>/task/<tid>/comm`, always shows the name.
///
/// Why not Foundation's `Thread.name`: on Linux it reaches the kernel only if the new thread has stored its handle
/// by the time the name is set, which is a race; a thread sometimes kept its creator's name. (The lws service
/// threads name themselves the same way, through `prctl` inside Transport's libwebsockets fence.)
public enum NamedThread {
    /// The longest name the kernel keeps (16 bytes with the terminating NUL); longer names are cut to it.
    public static let maximumNameBytes = 15

    /// Starts a detached thread named `name` (cut to ``maximumNameBytes`` bytes) that runs `body` and ends.
    /// - Throws: ``SystemCallError`` (`pthread_create`) when the system refuses a new thread (`EAGAIN`: the
    ///   process or user is at its thread limit, or memory is short); `body` then never runs.
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let work = Unmanaged.passRetained(Work(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { context in
                let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
                NamedThread.nameCurrentThread(work.name)
                work.body()
                return nil
            },
            work
        )
        guard result == 0 else {
            // The thread never started, so the work it would have released is released here.
            Unmanaged<Work>.fromOpaque(work).release()
            throw SystemCallError("pthread_create", errno: Errno(rawValue: result))
        }
        pthread_detach(thread)
    }

    /// Names the calling thread (cut to ``maximumNameBytes`` bytes, at a character boundary), by writing its
    /// `/proc/thread-self/comm` (what `prctl(PR_SET_NAME)` does; neither it, variadic, nor `pthread_setname_np`,
    /// a GNU extension, is visible to Swift). A name is cosmetic: if `/proc` is not mounted, the thread keeps
    /// the one it had.
    public static func nameCurrentThread(_ name: String) {
        var cut = Substring(name)
        while cut.utf8.count > maximumNameBytes { cut = cut.dropLast() }
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { _ = close(fd) }
        let bytes = Array(cut.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private final class Work {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}

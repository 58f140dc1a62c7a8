#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation
import SluiceCore

/// A source file's size, modification time and content hash, as `SourceFileRecord` keeps them.
enum SourceFileIdentity {
    /// Size and modification time (nanoseconds since 1970) from `stat`; throws `unreadable`.
    static func attributes(_ file: SourceFiles.File) throws -> (size: Int64, modifiedNanoseconds: Int64) {
        var info = stat()
        guard stat(file.path, &info) == 0 else {
            throw ExtractError(.unreadable, "cannot read \(file.display): \(String(cString: strerror(errno)))")
        }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return (Int64(info.st_size), Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    /// SHA-256 of the file's content, lowercase hex, read in 1 MiB chunks.
    static func digest(_ file: SourceFiles.File) throws -> String {
        let descriptor = open(file.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ExtractError(.unreadable, "cannot open \(file.display): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, size)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ExtractError(.unreadable, "cannot read \(file.display): \(String(cString: strerror(errno)))")
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
